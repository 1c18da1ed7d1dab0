/**
 * delm — a runtime for decentralized multi-agent LLM work. This entry point is for applications:
 * swarms, pools, the mode runner, the HTTP server and the errors. Writing a protocol: `delm/protocols`;
 * the shared-memory structures: `delm/substrate`; the live inspector: `delm/inspector`; AI SDK models
 * in and out (needs the optional peer `@ai-sdk/provider`): `delm/ai-sdk`.
 * @packageDocumentation
 */
export * from './errors.js';

// Logging
export { createLogger, REDACT_PATHS, type Logger, type LoggerOptions, type LogFn } from './logging/logger.js';

// Swarms and pools
export { createSwarm, Swarm, type JoinOptions, type RunOptions, type SwarmRun } from './runtime/swarm.js';
export {
  createSwarmPool,
  SwarmPool,
  PoolFullError,
  type SwarmPoolOptions,
  type SwarmPoolStats,
} from './runtime/swarm-pool.js';
export type { SwarmOptions, ResolvedSwarmOptions, ModelRef } from './runtime/options.js';
export type { RunResult, RunUsage, AgentSummary, StopReason } from './runtime/run.js';
export type { SwarmEvent, UsageEvent, ToolCalledEvent, ToolResultEvent } from './runtime/events.js';
export type { TimelineSpan, WaitCause, WaitingByCause } from './runtime/timeline.js';
export type { RunTask, SourceDocument } from './types.js';

// Models
export type {
  LanguageModel,
  CompletionRequest,
  CompletionResult,
  ChatMessage,
  CallContext,
  Usage,
  ToolSpec,
  ToolCall,
  ToolCallResult,
  ToolTurn,
} from './providers/types.js';

// Tools agents may call inside their step
export { defineTool, type Tool, type AnyTool, type ToolContext, type JsonValue } from './tools/types.js';
export { ToolError, WorkspaceEscapeError, McpServerError, type ToolErrorCode } from './tools/errors.js';
export type { McpServerConfig } from './tools/mcp/options.js';
export { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from './tools/builtins/index.js';
export type { ToolRef, ToolsOptions } from './tools/options.js';

// Modes: delm, the orchestrator baseline and a single pass, side by side
export { createRunner, type Runner, type ModeRunOptions, type RunnerOptions } from './modes/runner.js';
export { MODES, type Mode, type ModeResult } from './modes/result.js';

// Serving: delm's HTTP API (runs with live events, OpenAI-compatible chat completions)
export {
  startServer,
  HttpError,
  type DelmServer,
  type ServerOptions,
  type ErrorBody,
  type RunRecord,
  type RunStatus,
} from './server/index.js';
