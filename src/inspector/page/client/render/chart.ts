/** Draws a laid-out statechart as SVG: boxes for states, polylines for transitions. */
import type { LaidOutChart } from '../../../wire.js';
import { svg } from './dom.js';

/** A drawn chart, with its states and edges by id for highlighting. */
export interface DrawnChart {
  root: SVGSVGElement;
  /** Each state's group, by state id. */
  states: Map<string, SVGGElement>;
  /** Each edge's line, by `source->target`. */
  edges: Map<string, SVGPolylineElement>;
  /** Each state's parent id, as drawn. */
  parentOf: Map<string, string | null>;
}

const pointsAttr = (points: ReadonlyArray<readonly [number, number]>) => points.map((p) => `${p[0]},${p[1]}`).join(' ');

/** Draws `chart`. */
export function drawChart(chart: LaidOutChart): DrawnChart {
  const root = svg('svg', { viewBox: `0 0 ${chart.width} ${chart.height}`, class: 'chart', role: 'img' });
  const states = new Map<string, SVGGElement>();
  const edges = new Map<string, SVGPolylineElement>();
  const parentOf = new Map(chart.states.map((s) => [s.id, s.parent]));
  for (const s of chart.states.slice().sort((a, b) => a.depth - b.depth)) {
    const g = svg('g', { class: `state ${s.type}`, 'data-state': s.id });
    const atomic = s.type === 'atomic' || s.type === 'final';
    g.appendChild(svg('rect', { x: s.x, y: s.y, width: s.width, height: s.height, rx: atomic ? 7 : 9 }));
    const at = atomic
      ? { x: s.x + s.width / 2, y: s.y + s.height / 2 + 4, 'text-anchor': 'middle' }
      : { x: s.x + 8, y: s.y + 15 };
    g.appendChild(svg('text', at, s.key + (s.type === 'parallel' ? ' (parallel)' : '')));
    g.appendChild(svg('title', {}, s.id));
    root.appendChild(g);
    states.set(s.id, g);
  }
  for (const e of chart.edges) {
    if (!e.points.length) continue;
    const line = svg('polyline', {
      points: pointsAttr(e.points),
      class: `edge${e.error ? ' error' : ''}`,
      'marker-end': 'url(#arrow)',
    });
    line.appendChild(svg('title', {}, e.labels.join('\n')));
    root.appendChild(line);
    edges.set(`${e.source}->${e.target}`, line);
    if (e.label) {
      const text = svg('text', { x: e.label.x, y: e.label.y + 9, class: 'elabel' });
      e.labels.forEach((l, i) => text.appendChild(svg('tspan', { x: e.label!.x, dy: i === 0 ? 0 : 12 }, l)));
      root.appendChild(text);
    }
  }
  for (const i of chart.initials) {
    root.appendChild(svg('circle', { cx: i.x, cy: i.y, r: 4, class: 'init' }));
    if (i.points.length)
      root.appendChild(svg('polyline', { points: pointsAttr(i.points), class: 'edge', 'marker-end': 'url(#arrow)' }));
  }
  return { root, states, edges, parentOf };
}
