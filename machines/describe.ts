/**
 * Turn a machine definition into data that can be drawn: a JSON graph of states and transitions,
 * and a Mermaid `stateDiagram-v2`. It walks `machine.root`; nothing runs.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { LoopChartEdge, LoopChartState } from './task-loop.js';

/** One state of a {@link MachineGraph}. Ids are the machine's dotted state ids (`agent.thinking.model`). */
export interface GraphState {
  readonly id: string;
  readonly key: string;
  readonly parent: string | null;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Initial child id, for compound states. */
  readonly initial: string | null;
  /** Sources of the actors invoked while in this state (and the effects it requests on entry, or runs as a loop phase). */
  readonly invokes: readonly string[];
  /**
   * Set on the phases of a plain-code loop drawn inside the state that runs it (the agent's task loop
   * inside `working`): not states of the machine. Their ids are `machine.<phase path>`, the names the
   * host reports for them (`agent.thinking.model.calling`), and `parent` says where they are drawn.
   */
  readonly loop?: true;
}

/** One transition of a {@link MachineGraph}. */
export interface GraphTransition {
  readonly source: string;
  /** Target state ids; empty for a targetless transition. */
  readonly targets: readonly string[];
  /** What triggers it: an event type, the done/error of an invoked actor, a delay, or `always`. */
  readonly trigger:
    | { readonly kind: 'event'; readonly event: string }
    | { readonly kind: 'done' | 'error'; readonly actor: string }
    | { readonly kind: 'after'; readonly delay: string }
    | { readonly kind: 'always' };
  readonly guard: string | null;
  readonly actions: readonly string[];
  /** Short human label: trigger, then the guard in brackets. */
  readonly label: string;
  /** Set on a step of a plain-code loop drawn inside its state (see {@link GraphState.loop}). */
  readonly loop?: true;
}

/** A machine as plain data. */
export interface MachineGraph {
  readonly id: string;
  readonly states: readonly GraphState[];
  readonly transitions: readonly GraphTransition[];
}

type NamedThing = string | { type?: unknown; params?: unknown; guards?: unknown } | ((...args: never[]) => unknown);

function paramsLabel(params: unknown): string {
  if (params === undefined || typeof params === 'function') return '';
  if (
    typeof params === 'string' ||
    typeof params === 'number' ||
    typeof params === 'boolean' ||
    typeof params === 'bigint'
  )
    return `(${String(params)})`;
  if (typeof params !== 'object' || params === null) return '';
  return `(${Object.values(params)
    .map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? typeof v)))
    .join(', ')})`;
}

/** Name of a guard or action reference, including combinators like `and`. */
function nameOf(thing: NamedThing): string {
  if (typeof thing === 'string') return thing;
  const withGuards = thing as { guards?: unknown; name?: unknown; type?: unknown; params?: unknown };
  if (Array.isArray(withGuards.guards)) {
    const op = typeof thing === 'function' && typeof withGuards.name === 'string' ? withGuards.name : 'and';
    const joiner = op === 'or' ? ' || ' : ' && ';
    const parts = (withGuards.guards as NamedThing[]).map(nameOf);
    return op === 'not' ? `!${parts.join('')}` : parts.join(joiner);
  }
  if (typeof withGuards.type === 'string') return `${withGuards.type}${paramsLabel(withGuards.params)}`;
  return typeof thing === 'function' && thing.name ? thing.name : 'inline';
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

/**
 * Effects a state requests on entry (the agent's `request` action): drawn as invoked actors, and
 * their `<effect>.done` / `<effect>.error` events as the done / error of that actor.
 */
function requestedEffects(node: AnyStateNode): string[] {
  const effects: string[] = [];
  for (const action of node.entry as unknown[]) {
    const a = action as { type?: unknown; params?: unknown };
    const effect = (a.params as { effect?: unknown } | undefined)?.effect;
    if (a.type === 'request' && typeof effect === 'string') effects.push(effect);
  }
  return effects;
}

function triggerOf(node: AnyStateNode, eventType: string): GraphTransition['trigger'] {
  const effect = /^(.+)\.(done|error)$/.exec(eventType);
  if (effect && requestedEffects(node).includes(effect[1]!))
    return { kind: effect[2] as 'done' | 'error', actor: effect[1]! };
  const srcOf = (id: string): string => {
    const def = node.invoke.find((i) => i.id === id);
    return def === undefined ? id : typeof def.src === 'string' ? def.src : id;
  };
  if (eventType.startsWith('xstate.done.actor.'))
    return { kind: 'done', actor: srcOf(eventType.slice('xstate.done.actor.'.length)) };
  if (eventType.startsWith('xstate.error.actor.'))
    return { kind: 'error', actor: srcOf(eventType.slice('xstate.error.actor.'.length)) };
  if (eventType.startsWith('xstate.after.')) {
    const delayed = node.after.find((t) => t.eventType === eventType);
    const delay = delayed === undefined ? '?' : typeof delayed.delay === 'function' ? 'expr' : String(delayed.delay);
    return { kind: 'after', delay };
  }
  return { kind: 'event', event: eventType };
}

function triggerLabel(trigger: GraphTransition['trigger']): string {
  switch (trigger.kind) {
    case 'event':
      return trigger.event;
    case 'done':
    case 'error':
      return `${trigger.kind} ${trigger.actor}`;
    case 'after':
      return `after ${trigger.delay}`;
    case 'always':
      return 'always';
  }
}

/** Describe a machine as a {@link MachineGraph} (states in document order, transitions in priority order). */
export function describeMachine(machine: AnyStateMachine): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: AnyStateNode): void => {
    const initialTarget = node.type === 'compound' ? node.initial.target[0] : undefined;
    states.push({
      id: node.id,
      key: node.key,
      parent: node.parent?.id ?? null,
      type: node.type,
      initial: initialTarget?.id ?? null,
      invokes: [...node.invoke.map((i) => (typeof i.src === 'string' ? i.src : i.id)), ...requestedEffects(node)],
    });
    const defs: Array<[GraphTransition['trigger'], ReturnType<AnyStateNode['transitions']['get']>]> = [];
    for (const [eventType, list] of node.transitions) defs.push([triggerOf(node, eventType), list]);
    if (node.always) defs.push([{ kind: 'always' }, node.always]);
    for (const [trigger, list] of defs) {
      for (const t of list ?? []) {
        const guard = t.guard === undefined ? null : nameOf(t.guard);
        transitions.push({
          source: node.id,
          targets: (t.target ?? []).map((n: AnyStateNode) => n.id),
          trigger,
          guard,
          actions: t.actions.map((a) => nameOf(a as NamedThing)),
          label: guard === null ? triggerLabel(trigger) : `${triggerLabel(trigger)} [${guard}]`,
        });
      }
    }
    for (const child of childrenOf(node)) visit(child);
    const loop = (node.meta as { loop?: LoopChart } | undefined)?.loop;
    if (loop !== undefined) drawLoop(machine.root.id, node.id, loop, states, transitions);
  };
  visit(machine.root);
  return { id: machine.root.id, states, transitions };
}

/** A loop drawn inside a state (its `meta.loop`): phases and the steps between them. */
interface LoopChart {
  readonly initial: string;
  readonly states: readonly LoopChartState[];
  readonly edges: readonly LoopChartEdge[];
}

/** Adds the phases and steps of `loop`, run by the state `host`, to a graph. */
function drawLoop(
  machineId: string,
  host: string,
  loop: LoopChart,
  states: GraphState[],
  transitions: GraphTransition[],
): void {
  const idOf = (path: string) => `${machineId}.${path}`;
  const add = (phase: LoopChartState, path: string, parent: string): void => {
    states.push({
      id: idOf(path),
      key: phase.key,
      parent,
      type: phase.type,
      initial: phase.type === 'compound' && phase.initial !== undefined ? idOf(`${path}.${phase.initial}`) : null,
      invokes: phase.effect === undefined ? [] : [phase.effect],
      loop: true,
    });
    for (const sub of phase.states ?? []) add(sub, `${path}.${sub.key}`, idOf(path));
  };
  // The host state is drawn as a compound state holding the loop, entered at its first phase.
  const at = states.findIndex((st) => st.id === host);
  const hostState = states[at];
  if (hostState !== undefined) states[at] = { ...hostState, type: 'compound', initial: idOf(loop.initial) };
  for (const phase of loop.states) add(phase, phase.key, host);
  for (const edge of loop.edges) {
    const guard = edge.guard ?? null;
    transitions.push({
      source: idOf(edge.from),
      targets: [idOf(edge.to)],
      trigger: edge.trigger,
      guard,
      actions: [],
      label: guard === null ? triggerLabel(edge.trigger) : `${triggerLabel(edge.trigger)} [${guard}]`,
      loop: true,
    });
  }
}

const mermaidId = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');
const mermaidLabel = (label: string): string =>
  label
    .replace(/[:;{}]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Render a {@link MachineGraph} as a Mermaid `stateDiagram-v2`. Mermaid cannot draw an edge between
 * states nested in different composites, so each transition is drawn between the ancestors that are
 * siblings (a transition out of `thinking.model.calling` starts at `thinking`). Transitions of the
 * root (host events valid in every state) become notes on their targets.
 */
export function toMermaid(graph: MachineGraph): string {
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const children = new Map<string, GraphState[]>();
  for (const s of graph.states) if (s.parent !== null) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  const ancestry = (id: string): string[] => {
    const out: string[] = [];
    for (let cur = byId.get(id); cur !== undefined; cur = cur.parent === null ? undefined : byId.get(cur.parent))
      out.unshift(cur.id);
    return out;
  };

  const edgesIn = new Map<string, string[]>(); // block (state id) → edge lines drawn inside it
  const notes = new Map<string, string[]>(); // target id → triggers from the root
  const addEdge = (block: string, line: string): void => {
    const lines = edgesIn.get(block) ?? [];
    if (!lines.includes(line)) lines.push(line);
    edgesIn.set(block, lines);
  };
  for (const t of graph.transitions) {
    const targets = t.targets.length > 0 ? t.targets : [t.source];
    for (const target of targets) {
      if (t.source === graph.id) {
        notes.set(target, [...(notes.get(target) ?? []), t.label]);
        continue;
      }
      const sa = ancestry(t.source);
      const ta = ancestry(target);
      let i = 0;
      while (i < sa.length && i < ta.length && sa[i] === ta[i]) i++;
      const from = sa[Math.min(i, sa.length - 1)] ?? t.source;
      const to = ta[Math.min(i, ta.length - 1)] ?? target;
      const block = sa[Math.max(0, Math.min(i, sa.length - 1) - 1)] ?? graph.id;
      addEdge(block, `${mermaidId(from)} --> ${mermaidId(to)} : ${mermaidLabel(t.label)}`);
    }
  }

  const lines: string[] = ['stateDiagram-v2'];
  const render = (state: GraphState, indent: string): void => {
    const kids = children.get(state.id) ?? [];
    const isRoot = state.id === graph.id;
    const inner = isRoot ? indent : `${indent}  `;
    if (!isRoot) {
      lines.push(
        kids.length === 0
          ? `${indent}state "${state.key}" as ${mermaidId(state.id)}`
          : `${indent}state "${state.key}" as ${mermaidId(state.id)} {`,
      );
    }
    if (kids.length > 0) {
      if (state.type === 'parallel') {
        kids.forEach((kid, n) => {
          if (n > 0) lines.push(`${inner}--`);
          render(kid, inner);
        });
      } else {
        if (state.initial !== null) lines.push(`${inner}[*] --> ${mermaidId(state.initial)}`);
        for (const kid of kids) render(kid, inner);
        for (const kid of kids) if (kid.type === 'final') lines.push(`${inner}${mermaidId(kid.id)} --> [*]`);
      }
      for (const edge of edgesIn.get(state.id) ?? []) lines.push(`${inner}${edge}`);
      if (!isRoot) lines.push(`${indent}}`);
    }
  };
  const root = byId.get(graph.id);
  if (root !== undefined) render(root, '  ');
  for (const [target, labels] of notes)
    lines.push(`  note left of ${mermaidId(target)} : from any state on ${mermaidLabel(labels.join(', '))}`);
  return `${lines.join('\n')}\n`;
}

/** Describe a machine and render it as Mermaid in one go. */
export function machineToMermaid(machine: AnyStateMachine): string {
  return toMermaid(describeMachine(machine));
}
