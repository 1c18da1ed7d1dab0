/**
 * The timeline's layout: one row per agent, a bar per stretch of time in a state, coloured by its
 * category, a thin mark under it per tool call (red when the call failed), and a time axis. Past a
 * screenful of agents (a swarm), the agents share one band instead: at each moment, how many of them
 * were in each category, stacked. Pure geometry in CSS pixels; `render/timeline.ts` paints it.
 */
import { waitCause, type WaitingByCause } from '../../../runtime/timeline.js';
import { isLive, type RunModel } from './model.js';
import { CATEGORIES, COLOURS, TOOL_COLOURS, WAITING_STATE, categoryOf, type Category } from './state-colours.js';
import { agentCount, isSwarm } from './swarm-view.js';

const ROW_H = 16;
const LABEL_W = 70;
const TOP = 4;
const AXIS_H = 16;
const RIGHT_PAD = 8;
/** Height of a swarm's band, and the width of each of its columns. */
const BAND_H = 96;
const BUCKET_PX = 2;

/** A rectangle. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A rectangle filled with a state's colour. */
export interface Bar extends Rect {
  colour: string;
}

/** Text at a point (baseline). */
export interface Label {
  text: string;
  x: number;
  y: number;
}

/** Everything the canvas draws. */
export interface TimelineLayout {
  width: number;
  height: number;
  /** Row names (`verifier`, `agent 1`, …). */
  rows: Label[];
  bars: Bar[];
  /** One per tool call, along the bottom of its agent's row. */
  tools: Bar[];
  /** Axis tick marks and their labels. */
  ticks: Array<{ mark: Rect; label: Label }>;
}

const STEPS = [50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000];

/** The smallest round tick interval (ms) at least `raw`. */
export function niceStep(raw: number): number {
  return STEPS.find((s) => s >= raw) ?? 1_800_000;
}

/** Lays out `run` up to run time `now` across `width` CSS pixels. */
export function layoutTimeline(run: RunModel, now: number, width: number): TimelineLayout {
  const all = [...run.agents.keys()].filter((id) => id >= 0).sort((a, b) => a - b);
  const swarm = isSwarm(run);
  const agents = agentCount(run);
  // A swarm's agents share the band below the rows: only the verifier keeps a row.
  const ids = swarm ? all.filter((id) => id === 0) : all;
  const bandTop = TOP + ids.length * ROW_H;
  const height = bandTop + (swarm ? BAND_H : 0) + AXIS_H;
  const span = Math.max(now, 1);
  const scale = (width - LABEL_W - RIGHT_PAD) / span;
  const row = new Map(ids.map((id, i) => [id, i]));
  const rows = ids.map((id, i) => ({ text: id === 0 ? 'verifier' : `agent ${id}`, x: 4, y: TOP + i * ROW_H + 11 }));
  if (swarm) rows.push({ text: `${agents} agents`, x: 4, y: bandTop + 11 });
  const bars: Bar[] = [];
  const bar = (agent: number, state: string, start: number, end: number) => {
    const r = row.get(agent);
    if (r === undefined) return;
    bars.push({
      x: LABEL_W + start * scale,
      y: TOP + r * ROW_H + 2,
      w: Math.max(1, (end - start) * scale),
      h: ROW_H - 4,
      colour: COLOURS[categoryOf(agent, state)],
    });
  };
  for (const s of run.spans) bar(s.agent, s.state, s.start, s.end);
  if (run.finishedAt === null) for (const a of run.agents.values()) if (isLive(a)) bar(a.id, a.state, a.since, now);
  const tools: Bar[] = [];
  for (const t of run.tools) {
    const r = row.get(t.agent);
    if (r === undefined) continue;
    const end = t.end ?? run.finishedAt ?? now;
    tools.push({
      x: LABEL_W + t.start * scale,
      y: TOP + r * ROW_H + ROW_H - 5,
      w: Math.max(2, (end - t.start) * scale),
      h: 3,
      colour: t.error === null ? TOOL_COLOURS.ok : TOOL_COLOURS.failed,
    });
  }
  if (swarm) bars.push(...swarmBand(run, now, span, width - LABEL_W - RIGHT_PAD, agents, bandTop));
  const axisY = bandTop + (swarm ? BAND_H : 0);
  const step = niceStep(span / 8);
  const ticks: TimelineLayout['ticks'] = [];
  for (let t = 0; t <= span; t += step) {
    const x = LABEL_W + t * scale;
    ticks.push({
      mark: { x, y: axisY, w: 1, h: 4 },
      label: { text: `${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s`, x: x + 2, y: axisY + 13 },
    });
  }
  return { width, height, rows, bars, tools, ticks };
}

/**
 * The band of a swarm: columns of {@link BUCKET_PX} pixels, each stacking (in legend order) the mean
 * number of agents in each category over the column's stretch of time, scaled so that every agent
 * fills the band. Each stretch adds to the columns it covers in time proportional to its overlap
 * (whole columns through a difference array), so a frame costs the stretches plus the columns.
 */
function swarmBand(run: RunModel, now: number, span: number, plotWidth: number, agents: number, top: number): Bar[] {
  const columns = Math.max(1, Math.floor(plotWidth / BUCKET_PX));
  const columnMs = span / columns;
  const occupancy = new Map<Category, { partial: Float64Array; whole: Float64Array }>();
  const add = (agent: number, state: string, start: number, end: number) => {
    if (agent <= 0) return;
    const category = categoryOf(agent, state);
    let o = occupancy.get(category);
    if (!o) occupancy.set(category, (o = { partial: new Float64Array(columns), whole: new Float64Array(columns + 1) }));
    const a = Math.min(columns, Math.max(0, start / columnMs));
    const b = Math.min(columns, Math.max(0, end / columnMs));
    if (b <= a) return;
    const first = Math.floor(a);
    const last = Math.floor(b);
    if (first === last) {
      o.partial[first]! += b - a;
      return;
    }
    o.partial[first]! += first + 1 - a;
    if (last < columns) o.partial[last]! += b - last;
    // Columns first+1 … last-1 are covered whole.
    o.whole[first + 1]! += 1;
    o.whole[last]! -= 1;
  };
  for (const s of run.spans) add(s.agent, s.state, s.start, s.end);
  if (run.finishedAt === null) for (const a of run.agents.values()) if (isLive(a)) add(a.id, a.state, a.since, now);
  const bars: Bar[] = [];
  const perAgent = BAND_H / agents;
  const stacked = new Float64Array(columns);
  for (const [category] of CATEGORIES) {
    const o = occupancy.get(category);
    if (!o) continue;
    let whole = 0;
    for (let c = 0; c < columns; c++) {
      whole += o.whole[c]!;
      const h = (whole + o.partial[c]!) * perAgent;
      if (h <= 0) continue;
      stacked[c]! += h;
      bars.push({
        x: LABEL_W + c * BUCKET_PX,
        y: top + BAND_H - stacked[c]!,
        w: BUCKET_PX,
        h,
        colour: COLOURS[category],
      });
    }
  }
  return bars;
}

/**
 * Shares of the agents' (not the verifier's) time spent waiting on coordination, by cause, as the
 * run's result counts them (`Timeline.waitingByCause`); null before any time. A stretch still open
 * counts as its state says now: an agent claiming counts as mid-round until it turns out to be the
 * round's tail (released or electing next).
 */
export function waitingByCause(run: RunModel, now: number): WaitingByCause | null {
  const sums = { claiming: 0, tail: 0, verifier: 0, decision: 0 };
  let total = 0;
  for (const s of run.spans) {
    if (s.agent <= 0) continue;
    total += s.end - s.start;
    if (s.wait) sums[s.wait] += s.end - s.start;
  }
  if (run.finishedAt === null)
    for (const a of run.agents.values()) {
      if (a.id <= 0 || !isLive(a)) continue;
      total += now - a.since;
      const wait = waitCause(a.state, undefined);
      if (wait) sums[wait] += now - a.since;
    }
  if (total <= 0) return null;
  return {
    claiming: sums.claiming / total,
    tail: sums.tail / total,
    verifier: sums.verifier / total,
    decision: sums.decision / total,
  };
}

/** Agents (not the verifier) doing work now: neither waiting nor finished. */
export function workingAgents(run: RunModel): number {
  if (run.finishedAt !== null) return 0;
  let working = 0;
  for (const a of run.agents.values()) if (a.id > 0 && isLive(a) && !WAITING_STATE.test(a.state)) working++;
  return working;
}
