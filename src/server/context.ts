/** What every route handler of `delm serve` works with. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DelmError } from '../errors.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import { PoolFullError, type SwarmPool } from '../runtime/swarm-pool.js';
import type { RunOptions, SwarmRun } from '../runtime/swarm.js';
import { requestLogger } from '../logging/request-log.js';
import { incomingTraceContext } from '../telemetry/incoming.js';
import { HttpError } from './errors.js';
import type { ResolvedServerOptions } from './options.js';
import type { RunRecord, RunRegistry } from './registry.js';
import type { SharedRuns } from './shared-runs.js';

/** The server's shared state. */
export interface ServerContext {
  readonly options: ResolvedServerOptions;
  readonly pool: SwarmPool;
  readonly registry: RunRegistry;
  /** With `redis`: the runs every serve process on that Redis shares. */
  readonly shared: SharedRuns | undefined;
  /** Run options for a new run of `kind` (the inspector's listener when one is attached). */
  runOptions(kind: RunRecord['kind']): RunOptions;
  /** Called with each run this server starts, once tracked (shows its processes in the inspector). */
  started(record: RunRecord): void;
  /** Seconds a client turned away with 429 should wait (about one recent run's wall time). */
  retryAfterSeconds(): number;
  /** Throws a 400 naming the field when the swarms' protocol refuses `task` (its `meta`); `fieldPrefix` places `meta` in the body. */
  checkTask(task: RunTask, fieldPrefix?: string): Promise<void>;
}

/** One request, with its route's captured path segments. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly params: readonly string[];
  readonly server: ServerContext;
}

/**
 * Starts `task` on the pool and tracks it: 429 (with Retry-After) when the pool is full, 503 when closed.
 * The run's span continues the request's trace (`traceparent`). With `redis`, the run is also recorded
 * there (`announced` settles once every serve process can find it).
 */
export function startRun(
  server: ServerContext,
  kind: RunRecord['kind'],
  task: RunTask,
  req?: IncomingMessage,
  tools?: RunOptions['tools'],
): { run: SwarmRun; record: RunRecord; announced: Promise<void> } {
  let run: SwarmRun;
  try {
    run = server.pool.run(task, {
      ...server.runOptions(kind),
      ...(tools !== undefined ? { tools } : {}),
      ...(req ? { traceContext: incomingTraceContext(req.headers), logger: requestLogger(req) } : {}),
    });
  } catch (error) {
    if (error instanceof PoolFullError) {
      throw new HttpError(
        429,
        'POOL_FULL',
        `too many concurrent runs (${error.running} running, ${error.queued} waiting); retry later`,
        {
          headers: { 'retry-after': String(server.retryAfterSeconds()) },
        },
      );
    }
    if (error instanceof DelmError && error.code === 'CLOSED')
      throw new HttpError(503, 'CLOSED', 'the server is shutting down');
    throw error;
  }
  const record = server.registry.track(kind, run);
  server.started(record);
  return { run, record, announced: server.shared?.announce(record) ?? Promise.resolve() };
}
