/**
 * Every error delm throws on purpose is a {@link DelmError} with a stable `code`, so callers can
 * `switch (err.code)` instead of matching messages. Subclasses exist where callers need fields.
 * Messages say what went wrong and what to do; they never contain API keys or other secrets.
 */
import { listedIssues } from './issue-list.js';

/** Stable machine-readable error codes. Never renamed once released. */
export type DelmErrorCode =
  | 'INVALID_CONFIG'
  | 'INVALID_ARGUMENT'
  | 'LEDGER_FULL'
  | 'LEDGER_CORRUPT'
  | 'QUEUE_FULL'
  | 'LEASE_LOST'
  | 'CHANNEL_FULL'
  | 'MESSAGE_TOO_LARGE'
  | 'BUDGET_EXHAUSTED'
  | 'RATE_LIMITED'
  | 'MISSING_API_KEY'
  | 'PROVIDER_ERROR'
  | 'PROVIDER_TIMEOUT'
  | 'MALFORMED_OUTPUT'
  | 'WORKER_CRASHED'
  | 'ABORTED'
  | 'NOT_FOUND'
  | 'CLOSED'
  /** Every swarm of a pool is busy and its waiting queue is full; retry later. */
  | 'POOL_FULL'
  /** A request lacked valid credentials (`delm serve` bearer token). */
  | 'UNAUTHORIZED'
  /** The HTTP method is not allowed on this route. */
  | 'METHOD_NOT_ALLOWED'
  /** A request body exceeded the size limit. */
  | 'PAYLOAD_TOO_LARGE'
  /** A request body was not of a supported media type (JSON). */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** A run ended with an error and no answer (served runs report it this way). */
  | 'RUN_FAILED'
  /** An HTTP request's headers exceeded the server's limit. */
  | 'HEADERS_TOO_LARGE'
  /** An HTTP request did not arrive in full within the server's time limit. */
  | 'REQUEST_TIMEOUT'
  /** A tool call named no tool the agent was given. */
  | 'TOOL_NOT_FOUND'
  /** A tool call's input did not match the tool's schema. */
  | 'TOOL_INPUT_INVALID'
  /** A tool call ran past its time limit. */
  | 'TOOL_TIMEOUT'
  /** A tool failed while running. */
  | 'TOOL_FAILED'
  /** A tool was asked for a path outside its workspace (`..`, an absolute path, a symlink out). */
  | 'WORKSPACE_ESCAPE'
  /** A writer whose epoch was superseded (another process took the ledger's writer lease) tried to write. */
  | 'FENCED'
  /** The ledger already holds an entry with the same content; nothing was written. */
  | 'DUPLICATE'
  /** Redis could not be reached at the URL given (nothing listens there, or it refused the connection). */
  | 'REDIS_UNAVAILABLE'
  /** No run with that id exists in Redis (never created, or its keys are gone). */
  | 'RUN_NOT_FOUND'
  /** The run's coordinator died while planning, before any task was enqueued: nothing to resume. */
  | 'RUN_NOT_PLANNED'
  /** An MCP server could not be started, connected to, or listed. */
  | 'MCP_SERVER_FAILED'
  /** A tool call was cut off (its MCP server crashed or disconnected while it ran); calling again may succeed. */
  | 'TOOL_INTERRUPTED'
  /** A tool was asked to run something it is not allowed to (`run_command` outside its allow-list). */
  | 'TOOL_NOT_ALLOWED'
  /**
   * A model kept proposing the same thing after it was rejected (the debugging protocol: the same patch,
   * `maxRepeats` times); the sub-task was given up rather than spend more on it.
   */
  | 'REPEATED_PROPOSAL';

/** Marks delm's errors, whichever copy of delm made them (see {@link DelmError}'s `instanceof`). */
const DELM_ERROR = Symbol.for('delm.error');

/** Base class of every error delm raises deliberately. */
export class DelmError extends Error {
  /** Stable code; see {@link DelmErrorCode}. */
  readonly code: DelmErrorCode;

  /**
   * `instanceof` that also recognises the errors of another copy of delm in the same thread, by class
   * name: a worker runs delm bundled, and a user's model or tool that imports delm and throws, say, a
   * `ProviderError` throws the unbundled copy's. Each class's name is unique within delm.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(DELM_ERROR in value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto))
      if ((proto as { constructor?: { name?: unknown } }).constructor?.name === this.name) return true;
    return false;
  }

  constructor(code: DelmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** A plain-object form that survives `postMessage` / JSON (structured clone drops subclasses). */
  toJSON(): { name: string; code: DelmErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}
Object.defineProperty(DelmError.prototype, DELM_ERROR, { value: true });

/** A worker thread died (it exited, or its host threw) while running an agent or the verifier. */
export class WorkerCrashedError extends DelmError {
  constructor(
    readonly agentId: number,
    cause: unknown,
  ) {
    super(
      'WORKER_CRASHED',
      `the worker of agent ${agentId} crashed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Configuration or options failed validation; `issues` lists each problem with its path (the message, the first ten). */
export class InvalidConfigError extends DelmError {
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(
      'INVALID_CONFIG',
      issues.length ? `${message}:\n  - ${listedIssues(issues).join('\n  - ')}` : message,
      options,
    );
    this.issues = issues;
  }
}

/** The ledger reached its configured maximum size; nothing was written. */
export class LedgerFullError extends DelmError {
  constructor(
    readonly needed: number,
    readonly limit: number,
    what: 'bytes' | 'entries',
  ) {
    super(
      'LEDGER_FULL',
      `context ledger is full: needs ${needed} ${what} but the limit is ${limit}; raise ledger.max${what === 'bytes' ? 'Bytes' : 'Entries'}`,
    );
  }
}

/** The task queue reached its configured capacity; the task was not enqueued. */
export class QueueFullError extends DelmError {
  constructor(
    readonly needed: number,
    readonly limit: number,
    what: 'tasks' | 'bytes',
  ) {
    super(
      'QUEUE_FULL',
      `task queue is full: needs ${needed} ${what} but the limit is ${limit}; raise queue.max${what === 'tasks' ? 'Tasks' : 'ArenaBytes'}`,
    );
  }
}

/** The lease was no longer held (it expired and another agent claimed the task, or it finished). */
export class LeaseLostError extends DelmError {
  constructor(
    readonly taskId: number,
    detail: string,
  ) {
    super('LEASE_LOST', `lease on task ${taskId} is no longer held: ${detail}`);
  }
}

/** The writer's epoch is no longer current: another process took over the writer lease. Nothing was written. */
export class FencedError extends DelmError {
  constructor(detail: string) {
    super('FENCED', `this writer was deposed: ${detail}`);
  }
}

/** The ledger already holds an entry with this content (`existingId`); nothing was written. */
export class DuplicateEntryError extends DelmError {
  constructor(readonly existingId: number) {
    super('DUPLICATE', `the ledger already holds this entry as ${existingId}; nothing was written`);
  }
}

/** A run-wide budget would be exceeded; `resource` names which one. */
export class BudgetExhaustedError extends DelmError {
  constructor(
    readonly resource: 'tokens' | 'costMicroUsd' | 'modelCalls' | 'wallTimeMs',
    readonly limit: number,
    readonly used: number,
  ) {
    super('BUDGET_EXHAUSTED', `budget exhausted: ${resource} used ${used} of ${limit}`);
  }
}

/**
 * A required API key is missing; `variable` names the environment variable to set. Worker threads copy the
 * environment when they start, so a program sets it before `createSwarm` (or `createRunner`, `createSwarmPool`).
 */
export class MissingApiKeyError extends DelmError {
  constructor(
    readonly provider: string,
    readonly variable: string,
  ) {
    super(
      'MISSING_API_KEY',
      `${provider} needs an API key: set the ${variable} environment variable (a program sets it in process.env before createSwarm)`,
    );
  }
}

/** Tokens of one model call, as a failed call's error carries them (see {@link spentUsage}). */
export interface CallUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** What a model call used before it failed: the replies it received were billed all the same. */
export interface SpentUsage {
  usage: CallUsage;
  costUsd: number;
}

/**
 * A provider call failed; `status` is the HTTP status when there was one, `retryable` whether retrying
 * may help. An error delm's provider layer gave up on after its retries is not retryable, whatever
 * its status or code (its message ends `(gave up after N requests)`): the retries it was worth were
 * made, and no caller should make more.
 */
export class ProviderError extends DelmError {
  /** Tokens the call used before it failed (replies received, as in a repair round), when it received any. */
  declare readonly usage?: CallUsage;
  /** What `usage` cost. */
  declare readonly costUsd?: number;
  constructor(
    message: string,
    readonly provider: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown; code?: 'PROVIDER_ERROR' | 'PROVIDER_TIMEOUT' | 'RATE_LIMITED' },
  ) {
    super(options?.code ?? 'PROVIDER_ERROR', message, options);
  }
}

/** A model's reply was not usable: structured output that did not validate even after the repair attempt, or a reply with nothing in it. */
export class MalformedOutputError extends DelmError {
  /** Tokens the call used: every reply it received, the repair round's included. */
  declare readonly usage?: CallUsage;
  /** What `usage` cost. */
  declare readonly costUsd?: number;
  constructor(
    message: string,
    /** The raw text the model produced, truncated, for the failure record. */
    readonly raw: string,
    spent?: SpentUsage,
  ) {
    super('MALFORMED_OUTPUT', message);
    if (spent) Object.assign(this, spent);
  }
}

/**
 * What a failed model call used, when its error says (`usage` and `costUsd` on the error, as
 * `resilientModel` sets them once a reply was received); undefined otherwise. Counts that are not
 * finite non-negative numbers count as 0.
 */
export function spentUsage(error: unknown): SpentUsage | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { usage, costUsd } = error as { usage?: unknown; costUsd?: unknown };
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  return {
    usage: {
      inputTokens: count(u.inputTokens),
      outputTokens: count(u.outputTokens),
      cachedInputTokens: count(u.cachedInputTokens),
    },
    costUsd: count(costUsd),
  };
}

/** The operation was cancelled through an AbortSignal. */
export class AbortedError extends DelmError {
  constructor(reason = 'operation aborted') {
    super('ABORTED', reason);
  }
}

/** Type guard for {@link DelmError} that also accepts the plain form produced by `toJSON()` across threads. */
export function isDelmError(value: unknown, code?: DelmErrorCode): value is DelmError {
  if (typeof value !== 'object' || value === null) return false;
  const c = (value as { code?: unknown }).code;
  return (
    typeof c === 'string' && (value instanceof DelmError || 'message' in value) && (code === undefined || c === code)
  );
}
