/**
 * Lays out a statechart for the inspector page: {@link describeMachine}'s graph goes through ELK's
 * layered algorithm (server-side, once per machine) and comes out as boxes, edge polylines and
 * label positions in one absolute coordinate system, ready to draw as SVG.
 */
// A CommonJS module: Node hands ESM its module.exports, which carries the constructor as `default` too.
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine } from 'xstate';
import { describeMachine, type GraphState, type MachineGraph } from '../../machines/describe.js';
import type { ChartEdge, ChartState, LaidOutChart } from './wire.js';

export type { ChartEdge, ChartState, LaidOutChart } from './wire.js';

/** Options of {@link layoutChart}. */
export interface LayoutOptions {
  /**
   * `compact` (default): no transitions on actor errors (noted once under the chart) and labels
   * left out of the layout (shown on hover), for small multiples; `full`: every transition, labelled.
   */
  detail?: 'compact' | 'full';
}

const CHAR_W = 6.2;
const LABEL_CHAR_W = 5.4;
const STATE_H = 30;
const LABEL_LINE_H = 12;

function stateWidth(key: string): number {
  return Math.max(64, Math.ceil(key.length * CHAR_W) + 24);
}

/** Lays out `machine`'s statechart. */
export async function layoutChart(machine: AnyStateMachine, options: LayoutOptions = {}): Promise<LaidOutChart> {
  return layoutGraph(describeMachine(machine), options);
}

/** Lays out a described machine graph (see {@link layoutChart}). */
export async function layoutGraph(graph: MachineGraph, options: LayoutOptions = {}): Promise<LaidOutChart> {
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const children = new Map<string, GraphState[]>();
  for (const s of graph.states) if (s.parent !== null) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  const full = options.detail === 'full';

  // One edge per (source, target), labels joined; root transitions become notes.
  const global: string[] = [];
  const pairs = new Map<string, { source: string; target: string; labels: string[]; error: boolean }>();
  for (const t of graph.transitions) {
    for (const target of t.targets) {
      const key = byId.get(target)?.key ?? target;
      if (t.source === graph.id) {
        global.push(`${t.label} → ${key}`);
        continue;
      }
      const isError = t.trigger.kind === 'error';
      if (isError && !full) continue;
      const id = `${t.source}->${target}`;
      const pair = pairs.get(id) ?? { source: t.source, target, labels: [], error: true };
      if (!pair.labels.includes(t.label)) pair.labels.push(t.label);
      pair.error &&= isError;
      pairs.set(id, pair);
    }
  }
  if (!full)
    global.push('actor errors: budget, abort → stopped; fatal → failed; lease lost → claiming; other → failingTask');

  const initialId = (parent: string) => `${parent}#initial`;
  const node = (state: GraphState): ElkNode => {
    const kids = children.get(state.id) ?? [];
    if (kids.length === 0) return { id: state.id, width: stateWidth(state.key), height: STATE_H };
    const nested: ElkNode[] = kids.map(node);
    if (state.initial !== null) nested.unshift({ id: initialId(state.id), width: 10, height: 10 });
    return {
      id: state.id,
      children: nested,
      layoutOptions: {
        'elk.padding': `[top=${state.type === 'parallel' ? 26 : 24},left=10,bottom=10,right=10]`,
        'elk.direction': state.type === 'parallel' ? 'RIGHT' : 'DOWN',
      },
    };
  };
  const root = byId.get(graph.id);
  const topLevel = (children.get(graph.id) ?? []).map(node);
  if (root?.initial) topLevel.unshift({ id: initialId(graph.id), width: 10, height: 10 });

  const edges: ElkExtendedEdge[] = [];
  for (const s of graph.states) {
    if (s.initial !== null) edges.push({ id: `${s.id}#init-edge`, sources: [initialId(s.id)], targets: [s.initial] });
  }
  for (const [id, pair] of pairs) {
    const text = pair.labels.join('\n');
    const width = Math.ceil(Math.max(...pair.labels.map((l) => l.length)) * LABEL_CHAR_W) + 4;
    const labels: ElkLabel[] = full
      ? [{ id: `${id}#label`, text, width, height: pair.labels.length * LABEL_LINE_H }]
      : [];
    edges.push({ id, sources: [pair.source], targets: [pair.target], labels });
  }

  const elk = new elkBundled.default();
  const input: ElkNode = {
    id: graph.id,
    children: topLevel,
    edges,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.spacing.nodeNodeBetweenLayers': '34',
      'elk.spacing.nodeNode': '22',
      'elk.spacing.edgeLabel': '2',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
  };
  const laid: ElkNode = await elk.layout(input);

  const states: ChartState[] = [];
  const initials: LaidOutChart['initials'] = [];
  const boxes = new Map<string, { x: number; y: number; width: number; height: number }>();
  const walk = (n: ElkNode, depth: number) => {
    boxes.set(n.id, { x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 });
    const s = byId.get(n.id);
    if (s && s.id !== graph.id)
      states.push({
        id: s.id,
        key: s.key,
        type: s.type,
        parent: s.parent,
        depth,
        x: n.x ?? 0,
        y: n.y ?? 0,
        width: n.width ?? 0,
        height: n.height ?? 0,
      });
    for (const c of n.children ?? []) walk(c, depth + 1);
  };
  walk(laid, 0);

  const polyline = (e: ElkExtendedEdge): Array<[number, number]> =>
    (e.sections ?? []).flatMap((sec) =>
      [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint].map((p): [number, number] => [round(p.x), round(p.y)]),
    );
  const chartEdges: ChartEdge[] = [];
  const allEdges = collectEdges(laid);
  for (const e of allEdges) {
    if (e.id.endsWith('#init-edge')) {
      const parent = e.id.slice(0, -'#init-edge'.length);
      const dot = boxes.get(initialId(parent));
      const target = e.targets[0];
      if (dot && target)
        initials.push({
          parent,
          x: round(dot.x + dot.width / 2),
          y: round(dot.y + dot.height / 2),
          target,
          points: polyline(e),
        });
      continue;
    }
    const pair = pairs.get(e.id);
    if (!pair) continue;
    const l = e.labels?.[0];
    chartEdges.push({
      id: e.id,
      source: pair.source,
      target: pair.target,
      labels: pair.labels,
      error: pair.error,
      points: polyline(e),
      label: l ? { x: round(l.x ?? 0), y: round(l.y ?? 0), width: l.width ?? 0, height: l.height ?? 0 } : null,
    });
  }
  return {
    id: graph.id,
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    states,
    edges: chartEdges,
    initials,
    global,
  };
}

function collectEdges(n: ElkNode): ElkExtendedEdge[] {
  return [...(n.edges ?? []), ...(n.children ?? []).flatMap(collectEdges)];
}

const round = (v: number): number => Math.round(v * 10) / 10;
