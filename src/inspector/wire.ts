/**
 * What the inspector's server sends its page: run summaries, event batches and laid-out charts.
 * Types only, shared by the Node side and the browser script (so neither needs the other's globals).
 */
import type { GraphState } from '../../machines/describe.js';
import type { SwarmEvent } from '../runtime/events.js';

/** A tracked run as the page's run list shows it. */
export interface RunSummary {
  id: string;
  label: string;
  agents: number;
  /** Run time per wall-clock ms (1 live; the replay speed otherwise). */
  speed: number;
  status: 'running' | 'finished';
  stopReason: string | undefined;
  /** Events received (kept ones: see `truncated`). */
  events: number;
  /** Order of tracking, 1, 2, …: the newest run has the highest. */
  order: number;
  /** Wall-clock ms when tracking began. */
  trackedAt: number;
  /** Events were dropped past the per-run limit, or all of them to make room for newer runs. */
  truncated: boolean;
  /** A run kept in Redis: its live processes (machines) and their agents, as last looked up. */
  processes?: RunProcess[];
}

/** A live process of a run kept in Redis (its member key), as the run list shows it. */
export interface RunProcess {
  id: string;
  host: string;
  pid: number;
  role: 'coordinator' | 'worker' | 'resume';
  /** Ids of the agents it runs. */
  agents: number[];
  /** Its agent worker threads. */
  threads: number;
  verifier: 'active' | 'standby' | 'none';
}

/** What subscribers receive. `clock` is the run's time (ms since it started) when the batch left. */
export type HubMessage =
  | { kind: 'runs'; runs: RunSummary[] }
  | { kind: 'events'; runId: string; from: number; events: SwarmEvent[]; clock: number };

/** A run's kept events so far, with its clock (`/api/runs/<id>/events`). */
export interface RunSnapshot {
  run: RunSummary;
  events: SwarmEvent[];
  clock: number;
}

/** A state drawn as a box; ids are the machine's dotted ids (`agent.thinking.model.calling`). */
export interface ChartState {
  id: string;
  key: string;
  type: GraphState['type'];
  parent: string | null;
  /** Nesting depth below the root (top-level states are 1). */
  depth: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A transition drawn as a polyline, with its (joined) label placed by the layout. */
export interface ChartEdge {
  id: string;
  source: string;
  target: string;
  /** Every transition label between these two states, one per line. */
  labels: string[];
  /** Whether every transition drawn by this edge is an actor's error. */
  error: boolean;
  points: Array<[number, number]>;
  label: { x: number; y: number; width: number; height: number } | null;
}

/** A statechart laid out. */
export interface LaidOutChart {
  id: string;
  width: number;
  height: number;
  states: ChartState[];
  edges: ChartEdge[];
  /** Initial-state markers: a dot and the arrow to the initial child. */
  initials: Array<{ parent: string; x: number; y: number; target: string; points: Array<[number, number]> }>;
  /** Transitions of the root (valid in every state), as text: `STOP → stopped`. */
  global: string[];
}

/** The statecharts the page draws (`/api/machines`). */
export interface InspectorCharts {
  agent: LaidOutChart;
  agentFull: LaidOutChart;
  verifier: LaidOutChart;
}
