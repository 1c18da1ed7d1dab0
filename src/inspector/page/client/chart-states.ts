/**
 * From an agent's state value to the boxes and arrows of its chart: which states to highlight,
 * which edges a transition fired. Pure; ids are the chart's dotted state ids.
 */

/** Anything that says which state ids a chart holds (a Set, a Map). */
export interface KnownStates {
  has(id: string): boolean;
}

/** `a.b.c` → `['a.b.c', 'a.b']` (stops above the machine's own id). */
export function ancestors(id: string): string[] {
  const out: string[] = [];
  const parts = id.split('.');
  for (let i = parts.length; i >= 2; i--) out.push(parts.slice(0, i).join('.'));
  return out;
}

/**
 * The leaf state ids of a state value. In `thinking.model.calling|lease.holding` the parts after
 * the first are relative to an ancestor of the part before (parallel regions): each is resolved
 * against the chart's ids when they are known.
 */
export function leafIds(machineId: string, state: string | null, known?: KnownStates): string[] {
  const out: string[] = [];
  for (const part of (state ?? '').split('|').filter(Boolean)) {
    let id = `${machineId}.${part}`;
    const previous = out.at(-1);
    if (known && !known.has(id) && previous !== undefined) {
      const prev = ancestors(previous);
      for (let i = 1; i < prev.length; i++) {
        if (known.has(`${prev[i]}.${part}`)) {
          id = `${prev[i]}.${part}`;
          break;
        }
      }
    }
    out.push(id);
  }
  return out;
}

/** The states to mark for a state value: each leaf `active-leaf`, their ancestors `active`. */
export function activeStates(
  machineId: string,
  state: string | null,
  known: KnownStates,
): Array<[id: string, cls: 'active' | 'active-leaf']> {
  const out: Array<[string, 'active' | 'active-leaf']> = [];
  for (const leaf of leafIds(machineId, state, known))
    ancestors(leaf).forEach((id, i) => out.push([id, i === 0 ? 'active-leaf' : 'active']));
  return out;
}

/** Keys (`source->target`) of the edges that a change from `from` to `to` may have taken. */
export function firedEdges(machineId: string, from: string, to: string, known: KnownStates): string[] {
  const sources = leafIds(machineId, from, known).flatMap(ancestors);
  const targets = leafIds(machineId, to, known).flatMap(ancestors);
  return [...new Set(sources.flatMap((s) => targets.map((d) => `${s}->${d}`)))];
}
