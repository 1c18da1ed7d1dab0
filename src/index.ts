/**
 * delm — a runtime for decentralized multi-agent LLM work.
 * @packageDocumentation
 */
export * from './errors.js';

// Shared-memory substrate
export * from './ledger/types.js';
export { SharedLedger, type LedgerHandle, type LedgerOptions } from './ledger/shared-ledger.js';
export { dumpJsonl, loadJsonl, ledgerLines } from './ledger/jsonl.js';
export type * from './queue/types.js';
export { SharedTaskQueue, type QueueHandle, type QueueOptions } from './queue/shared-queue.js';
export type * from './channel/types.js';
export { SharedChannel, type ChannelHandle } from './channel/shared-channel.js';
export { JsonChannel } from './channel/json-channel.js';
export type * from './budget/types.js';
export { SharedBudget, type BudgetHandle } from './budget/shared-budget.js';
export { SharedRateLimiter, unlimitedRateLimiter, type RateLimiterHandle } from './budget/rate-limiter.js';

// Models
export type * from './providers/types.js';
export { countTokens, shareTokenizer } from './providers/tokenizer.js';

// Runtime
export { createSwarm, Swarm, type RunOptions, type SwarmRun } from './runtime/swarm.js';
export { createSwarmPool, SwarmPool, PoolFullError, SwarmPoolFieldsSchema, resolveSwarmPoolOptions, type SwarmPoolOptions, type ResolvedSwarmPoolOptions, type SwarmPoolStats } from './runtime/swarm-pool.js';
export type { SwarmOptions, ResolvedSwarmOptions, ModelRef } from './runtime/options.js';
export type { RunResult, RunUsage, AgentSummary, StopReason } from './runtime/run.js';
export type { SwarmEvent, UsageEvent } from './runtime/events.js';
export type { TimelineSpan } from './runtime/timeline.js';
export type { SwarmProtocol, RunTask, SourceDocument, AgentIO, VerifierIO, ProposalEnvelope, ProtocolVerdict } from './protocols/kit/protocol.js';
export { protocol as basicProtocol } from './protocols/basic/protocol.js';
export { protocol as delmProtocol, DelmRunSettingsSchema, type DelmRunSettings } from './protocols/delm/protocol.js';

// Modes: delm, the orchestrator baseline and a single pass, side by side
export { createRunner, type Runner, type ModeRunOptions, type RunnerOptions } from './modes/runner.js';
export { MODES, type Mode, type ModeResult } from './modes/result.js';
export { fitPowerLaw, type PowerLawFit } from './modes/growth.js';

// Seeing agent lifecycles: the live inspector
export { startInspector, attachInspector, readTrajectory, replayTrajectory, type Inspector, type InspectorOptions, type TrackInfo, type AttachInfo } from './inspector/index.js';

// Serving: delm's HTTP API (runs with live events, OpenAI-compatible chat completions)
export { startServer, ServerOptionsSchema, HttpError, type DelmServer, type ServerOptions, type ResolvedServerOptions, type ErrorBody, type RunRecord, type RunStatus } from './server/index.js';
export type { RunObserver } from './inspector/hub.js';
