/**
 * `createSwarm(options)`: a pool of agent worker threads (plus the verifier's) that runs tasks one
 * after another without restarting its workers. `swarm.run(task)` returns a {@link SwarmRun}: its
 * events as an async iterable and its result as a promise.
 */
import { Piscina } from 'piscina';
import { SharedRateLimiter } from '../budget/rate-limiter.js';
import { DelmError } from '../errors.js';
import { abortWhen } from '../internal/abort-when.js';
import { ownModuleUrl, poolExecArgv, resolveWorkerEntry } from '../internal/worker-entry.js';
import { checkRunOptions } from './run-options.js';
import { checkRunTask } from './run-task.js';
import { shareTokenizer } from '../providers/tokenizer.js';
import type { Context } from '@opentelemetry/api';
import { RunTelemetry } from '../telemetry/run-telemetry.js';
import type { Logger } from '../logging/logger.js';
import type { SwarmEvent } from './events.js';
import { runLogListener } from './run-log.js';
import { checkModelRef } from './model-loader.js';
import { resolveSwarmOptions, type ResolvedSwarmOptions, type SwarmOptions } from './options.js';
import type { ProtocolRef } from '../protocols/registry.js';
import type { RunTask } from '../types.js';
import { RunSupervisor, type RunResult, type RunStart } from './run.js';
import type { RunSubstrate } from './substrate.js';
import type { ToolsOptions } from '../tools/options.js';

// The one module given to piscina by URL: the entry of every agent and verifier thread.
const workerModule = ownModuleUrl('../../actors/swarm-worker', import.meta.url);

/** Options of one run. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Called synchronously for every event (any number of listeners can hang off it). */
  onEvent?: (event: SwarmEvent) => void;
  /** OpenTelemetry context the run's span is a child of (default: the active context). */
  traceContext?: Context;
  /** Logger for this run's lines, used as given (default: the swarm's `logger`, bound to the run id). */
  logger?: Logger | undefined;
  /**
   * This run's tools instead of the swarm's (`null`: none), already validated (ToolsOptionsSchema);
   * `delm serve` narrows its configured tools to what a request selects this way.
   */
  tools?: ToolsOptions | null | undefined;
  /**
   * The id of a new run (`run`; default: a new UUID). On Redis its keys are `delm:{<runId>}:…`, so it
   * must be 1-128 letters, digits, '.', '_' or '-'. A swarm pool passes its own id for the run.
   */
  runId?: string | undefined;
}

/** Options of {@link Swarm.join}. */
export interface JoinOptions extends Omit<RunOptions, 'runId'> {
  /**
   * Also start a standby verifier: it takes the run's ledger writer lease over when the verifier
   * holding it dies or is frozen past its lease (a new epoch fences the old one), claims the proposals
   * it left unacknowledged, and goes on committing.
   */
  standbyVerifier?: boolean;
}

/** A run in progress: iterate its events, await its result (or the run itself). */
export interface SwarmRun extends PromiseLike<RunResult> {
  readonly id: string;
  /**
   * The run's events, in order, from when iteration starts: start iterating before the first `await`
   * after starting the run to see every one. Iterable once; a run nobody iterates keeps none of its
   * events (use `onEvent` for listeners of your own).
   */
  readonly events: AsyncIterable<SwarmEvent>;
  readonly result: Promise<RunResult>;
  /** Stops the run; the result still resolves, with stop reason `aborted`. */
  abort(): void;
}

/** A swarm of agent workers. Create once, run many tasks, close when done. */
export class Swarm {
  readonly options: ResolvedSwarmOptions;
  private readonly pool: Piscina;
  /**
   * The verifier's own thread: the single writer keeps its JIT-warm code and its heap from run to run,
   * and its priority, above the agents' (see `agentNice`), is never inherited by an agent or vice versa.
   */
  private readonly verifierPool: Piscina;
  private readonly rateLimiter: SharedRateLimiter;
  private readonly protocolRef: ProtocolRef;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The controller of every run started and not yet finished, queued or going: `close()` aborts them all. */
  private readonly unfinished = new Set<AbortController>();
  /** The last finished run's shared memory, emptied and reused by the next run (runs never overlap). */
  private spare: Promise<RunSubstrate | undefined> | undefined;

  private readonly logger: Logger | undefined;

  constructor(options: SwarmOptions = {}) {
    this.options = resolveSwarmOptions(options);
    // Read once the options are known to be an object.
    this.logger = options.logger;
    const entry = resolveWorkerEntry(workerModule);
    // Before the workers start, so they attach this thread's token rank table instead of each building one.
    shareTokenizer();
    const pool = (threads: number, limits: Piscina['options']['resourceLimits']) =>
      new Piscina({
        filename: entry.filename,
        workerData: entry.workerData,
        minThreads: threads,
        maxThreads: threads,
        idleTimeout: 60_000,
        // One long-running task per thread: the verifier, or a group of agents (all of a run's agents on
        // that thread with `threads`, see AgentGroup). A task waits for a thread of its own, so a run's
        // groups spread one per thread even while the threads are still starting.
        concurrentTasksPerWorker: 1,
        // Piscina's default parks idle workers in Atomics.wait, freezing their event loops between runs.
        atomics: 'disabled',
        execArgv: poolExecArgv(),
        resourceLimits: { ...limits, ...this.options.workerResourceLimits },
      });
    const { agents, threads } = this.options;
    // An agent holds little live data: a small young generation keeps 64 agent threads well under 1 GiB,
    // whether each got its thread by default or from `threads` at least as many as agents.
    this.pool =
      threads === undefined || threads >= agents ? pool(agents, { maxYoungGenerationSizeMb: 4 }) : pool(threads, {});
    this.verifierPool = pool(1, {});
    // A worker that dies while it runs no task (an uncaught error in a timer its model left behind,
    // after the agent's run ended) is reported by piscina as a pool 'error' event; unheard, that
    // event would throw in this thread and take the host process down. Piscina replaces the thread.
    for (const p of [this.pool, this.verifierPool])
      p?.on('error', (error: unknown) =>
        this.logger?.warn(
          { err: error instanceof Error ? { message: error.message, name: error.name } : String(error) },
          'a worker thread failed between runs and was replaced',
        ),
      );
    const { requestsPerMinute, tokensPerMinute, burstWindowMs } = this.options.rateLimits;
    this.rateLimiter = SharedRateLimiter.create({
      ...(requestsPerMinute ? { requestsPerMinute } : {}),
      ...(tokensPerMinute ? { tokensPerMinute } : {}),
      ...(burstWindowMs ? { burstWindowMs } : {}),
    });
    const protocol = this.options.protocol;
    this.protocolRef =
      typeof protocol === 'string'
        ? { builtIn: protocol }
        : { module: protocol.module, export: protocol.export ?? 'protocol' };
  }

  /**
   * Starts a run of `task`. Runs of one swarm execute one after another (each uses every agent);
   * a run started while another is going waits for it. A task of the wrong shape throws
   * InvalidConfigError listing every problem.
   */
  run(task: RunTask | string, options: RunOptions = {}): SwarmRun {
    const { runId, ...runOptions } = checkRunOptions(options);
    const input = typeof task === 'string' ? { prompt: task } : task;
    checkRunTask(input);
    return this.begin(input, runOptions, {
      kind: 'new',
      ...(runId !== undefined ? { runId } : {}),
    });
  }

  /**
   * Joins run `runId`, which another process coordinates, with this swarm's agents (Redis substrate
   * only): they replay its ledger and claim its tasks until the run ends. Aborting takes this swarm's
   * agents out (their leases go back) without stopping the run. An unknown id ends it with stop reason
   * `error` (no run … in Redis). With `standbyVerifier`, see {@link JoinOptions}.
   */
  join(runId: string, options: JoinOptions = {}): SwarmRun {
    const { standbyVerifier, ...runOptions } = checkRunOptions(options);
    return this.begin({ prompt: '' }, runOptions, { kind: 'join', runId, standbyVerifier: standbyVerifier === true });
  }

  /**
   * Picks up run `runId` after the process that coordinated it died (Redis substrate only): its
   * ledger, queue and budget are kept, leases of dead holders return when they expire, and this swarm
   * becomes the run's coordinator (verifier and agents) and finishes it.
   */
  resume(runId: string, options: Omit<RunOptions, 'runId'> = {}): SwarmRun {
    return this.begin({ prompt: '' }, checkRunOptions(options), { kind: 'resume', runId });
  }

  private begin(input: RunTask, options: RunOptions, start: RunStart): SwarmRun {
    if (this.closed) throw new DelmError('CLOSED', 'this swarm is closed; create a new one');
    const telemetry = new RunTelemetry(this.options.telemetry, options.traceContext);
    let onEvent = options.onEvent;
    const { tools: _swarmTools, ...untooled } = this.options;
    const runSwarmOptions: ResolvedSwarmOptions =
      options.tools === undefined
        ? this.options
        : options.tools === null
          ? untooled
          : { ...untooled, tools: options.tools };
    const supervisor = new RunSupervisor(
      this.pool,
      runSwarmOptions,
      this.protocolRef,
      this.rateLimiter,
      (event) => onEvent?.(event),
      telemetry,
      start,
      this.verifierPool,
    );
    const log = options.logger ?? this.logger?.child({ runId: supervisor.id });
    if (log) onEvent = runLogListener(log, options.onEvent);
    const abort = new AbortController();
    const signal = abort.signal;
    const unlink = abortWhen(options.signal, abort);
    this.unfinished.add(abort);
    const ahead = this.queue;
    const result = (async () => {
      try {
        // Aborted while it waits for the run ahead: it ends now, without starting (and without waiting).
        if (!(await turnOrAbort(ahead, signal))) return await supervisor.endUnstarted();
        try {
          // A missing key fails here, before any worker starts.
          await checkModelRef(this.options.model);
          if (this.options.judgeModel) await checkModelRef(this.options.judgeModel);
        } catch (error) {
          return await supervisor.endUnstarted(error instanceof Error ? error : new Error(String(error)));
        }
        // The last run's memory, once its late workers (if any) have ended: this run's agents would
        // wait for their threads anyway.
        const spare = await this.spare;
        this.spare = undefined;
        return await supervisor.execute(input, signal, spare);
      } finally {
        unlink();
        this.unfinished.delete(abort);
        // This run's memory, else the spare there was (a run that ended without starting has none).
        const released = supervisor.releaseSubstrate();
        const before = this.spare;
        this.spare = released.then(async (substrate) => substrate ?? (await before));
      }
    })();
    // The next run waits for the one ahead and for this one: runs never overlap, even when this one
    // ended early while the one ahead still runs.
    this.queue = ahead.then(() => result).catch(() => undefined);
    return {
      id: supervisor.id,
      events: supervisor.events,
      result,
      abort: () => abort.abort(),
      then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
    };
  }

  /**
   * Aborts every run not finished, the one in progress and those queued behind it (they end
   * `aborted` without starting), and ends every worker thread.
   */
  close(): Promise<void> {
    // A second call waits for the same end as the first.
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    // A run going stops as on any abort of its signal; one queued ends without starting.
    for (const abort of this.unfinished) abort.abort(new DelmError('CLOSED', 'the swarm was closed'));
    await this.queue;
    await Promise.all([this.pool.destroy(), this.verifierPool.destroy()]);
  }
}

/** Whether `ahead` settled (true) before `signal` aborted (false: at once when it has already). */
function turnOrAbort(ahead: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void ahead.finally(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/** Creates a swarm; invalid options throw InvalidConfigError listing every problem. */
export function createSwarm(options: SwarmOptions = {}): Swarm {
  return new Swarm(options);
}
