/**
 * From an agent's state value to the boxes and arrows of its chart: which states to highlight,
 * which edges a transition fired. Pure; ids are the chart's dotted state ids.
 */

/** Anything that says which state ids a chart holds (a Set, a Map). */
export interface KnownStates {
  has(id: string): boolean;
}

/**
 * Each drawn state's parent id, where the chart gives it. A plain-code loop's phases are drawn inside
 * the state that runs them (`agent.working`) although their ids are not nested under it
 * (`agent.thinking`), so their ancestors come from here rather than from the id.
 */
export type ParentOf = ReadonlyMap<string, string | null>;

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

/** `id` and its ancestors below the machine: by the drawn parents when `parentOf` knows `id`, else by the id. */
export function lineage(machineId: string, id: string, parentOf?: ParentOf): string[] {
  if (!parentOf?.has(id)) return ancestors(id);
  const out: string[] = [];
  for (let at: string | null | undefined = id; at != null && at !== machineId; at = parentOf.get(at)) out.push(at);
  return out;
}

/** The states to mark for a state value: each leaf `active-leaf`, their ancestors `active`. */
export function activeStates(
  machineId: string,
  state: string | null,
  known: KnownStates,
  parentOf?: ParentOf,
): Array<[id: string, cls: 'active' | 'active-leaf']> {
  const out: Array<[string, 'active' | 'active-leaf']> = [];
  // The deepest state drawn is the leaf: `finalizing.deciding` lights `finalizing`, whose inner states
  // (the finalizer machine's) are not drawn in the agent's chart.
  for (const leaf of leafIds(machineId, state, known))
    lineage(machineId, leaf, parentOf)
      .filter((id) => known.has(id))
      .forEach((id, i) => out.push([id, i === 0 ? 'active-leaf' : 'active']));
  return out;
}

/** Keys (`source->target`) of the edges that a change from `from` to `to` may have taken. */
export function firedEdges(
  machineId: string,
  from: string,
  to: string,
  known: KnownStates,
  parentOf?: ParentOf,
): string[] {
  const up = (leaf: string) => lineage(machineId, leaf, parentOf);
  const sources = leafIds(machineId, from, known).flatMap(up);
  const targets = leafIds(machineId, to, known).flatMap(up);
  return [...new Set(sources.flatMap((s) => targets.map((d) => `${s}->${d}`)))];
}
