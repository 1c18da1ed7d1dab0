/**
 * The live inspector: a local web page showing each agent's statechart with its current state, the
 * queue, the ledger, a timeline of agent states and the usage meters, streamed over Server-Sent Events.
 *
 * ```ts
 * const inspector = await startInspector();           // http://127.0.0.1:<port>/
 * const run = swarm.run(task, { onEvent: inspector.track({ runId: 'demo', agents: 4 }) });
 * ```
 */
export { startInspector, layoutCharts, type Inspector, type InspectorOptions, type InspectorCharts } from './server.js';
export type { TrackInfo, RunObserver, RunSummary, RunProcess, HubLimits, HubMessage } from './hub.js';
export { attachInspector, type AttachInfo, type WithOnEvent } from './attach.js';
export {
  readTrajectory,
  parseTrajectory,
  replayTrajectory,
  type Trajectory,
  type TrajectoryRun,
  type ReplayOptions,
} from './replay.js';
export { SwarmEventSchema, parseSwarmEvent } from './event-schema.js';
export { ReplayFileError } from './errors.js';
export { MIN_TOKEN_LENGTH } from './auth.js';
export type { LaidOutChart, ChartState, ChartEdge, LayoutOptions } from './layout.js';
