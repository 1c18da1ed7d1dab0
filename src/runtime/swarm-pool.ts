/**
 * `createSwarmPool(options)`: K swarms behind one `run`, so up to K runs execute at the same time
 * (a {@link Swarm} runs one task after another). Further runs wait in a bounded FIFO queue; past
 * `maxQueued` waiting runs, `run` throws {@link PoolFullError}. Each run returns the same
 * {@link SwarmRun} as a single swarm's; `close()` aborts every run and ends every worker thread.
 */
import { NO_WAITING } from './timeline.js';
import { context as otelContext, type Context } from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DelmError, InvalidConfigError } from '../errors.js';
import { abortWhen } from '../internal/abort-when.js';
import { describeIssues } from '../internal/parse.js';
import type { SwarmEvent } from './events.js';
import { callListener } from './listener.js';
import { checkRunOptions } from './run-options.js';
import { checkRunTask } from './run-task.js';
import { emptyUsage } from './empty-usage.js';
import { EventStream } from './event-stream.js';
import { SwarmOptionsSchema, withoutLogger, type ResolvedSwarmOptions, type SwarmOptions } from './options.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { RunResult } from './run.js';
import { Swarm, type JoinOptions, type RunOptions, type SwarmRun } from './swarm.js';

/** The pool's own options; every other field is a {@link SwarmOptions} field shared by its swarms. */
export const SwarmPoolFieldsSchema = z
  .object({
    /** How many swarms (and so how many runs at once). Each holds `agents + 1` worker threads. */
    swarms: z.number().int().min(1).max(64).default(2),
    /** Runs that may wait for a free swarm; one more makes `run` throw {@link PoolFullError}. */
    maxQueued: z.number().int().min(0).max(100_000).default(64),
  })
  .strict();

/** Options of `createSwarmPool`: the pool's fields plus the options every swarm is created with. */
export type SwarmPoolOptions = SwarmOptions & z.input<typeof SwarmPoolFieldsSchema>;

/** Options after validation, every default filled in. */
export interface ResolvedSwarmPoolOptions {
  swarms: number;
  maxQueued: number;
  swarm: ResolvedSwarmOptions;
}

/** A snapshot of a pool's load. */
export interface SwarmPoolStats {
  swarms: number;
  /** Runs executing now (at most `swarms`). */
  running: number;
  /** Runs waiting for a free swarm (at most `maxQueued`). */
  queued: number;
  maxQueued: number;
  /** Swarms lent to runs other processes coordinate ({@link SwarmPool.join}). */
  lent: number;
  closed: boolean;
}

/** Every swarm of the pool is busy and its waiting queue is full; nothing was started. */
export class PoolFullError extends DelmError {
  constructor(
    readonly running: number,
    readonly queued: number,
  ) {
    super(
      'POOL_FULL',
      `all ${running} swarm(s) are busy and ${queued} run(s) are already waiting; retry later or raise swarms / maxQueued`,
    );
  }
}

/** Validates pool options, throwing InvalidConfigError that lists every problem with its path. */
export function resolveSwarmPoolOptions(options: unknown): ResolvedSwarmPoolOptions {
  // Only `undefined` means no options: null is refused like any other value that is not an object.
  const input = options === undefined ? {} : options;
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new InvalidConfigError('invalid swarm pool options', ['(root): expected an object']);
  const { swarms, maxQueued, ...swarmOptions } = input as Record<string, unknown>;
  const pool = SwarmPoolFieldsSchema.safeParse({
    ...(swarms !== undefined ? { swarms } : {}),
    ...(maxQueued !== undefined ? { maxQueued } : {}),
  });
  const swarm = SwarmOptionsSchema.safeParse(withoutLogger(swarmOptions));
  const issues = [
    ...(pool.success ? [] : describeIssues(pool.error)),
    ...(swarm.success ? [] : describeIssues(swarm.error)),
  ];
  if (!pool.success || !swarm.success) throw new InvalidConfigError('invalid swarm pool options', issues);
  return { ...pool.data, swarm: swarm.data };
}

/** A run of the pool, from `run` until it settles. */
interface PoolEntry {
  readonly id: string;
  readonly task: RunTask;
  readonly created: number;
  readonly signal: AbortSignal;
  readonly stream: EventStream<SwarmEvent>;
  readonly onEvent: ((event: SwarmEvent) => void) | undefined;
  /** The trace context at `run()`: a queued run's span still belongs to the caller's trace. */
  readonly traceContext: Context;
  readonly logger: Logger | undefined;
  readonly tools: RunOptions['tools'];
  resolve(result: RunResult): void;
  reject(error: unknown): void;
  /** Removes the abort listener of a waiting run. */
  unlisten(): void;
}

/** A pool of swarms that runs up to `swarms` tasks at the same time. Create once, close when done. */
export class SwarmPool {
  /** The validated options: the pool's own, and those every swarm was created with. */
  readonly options: ResolvedSwarmPoolOptions;
  private readonly swarms: Swarm[];
  private readonly idle: Swarm[];
  private readonly waiting: PoolEntry[] = [];
  private readonly running = new Map<string, { entry: PoolEntry; abort: () => void }>();
  /** Swarms lent to other processes' runs; `recalled` once a run of this pool needs the swarm back. */
  private readonly lent = new Map<Swarm, { abort: () => void; recalled: boolean }>();
  private closed = false;
  private closing: Promise<void> | undefined;

  private readonly logger: Logger | undefined;

  constructor(options: SwarmPoolOptions = {}) {
    this.options = resolveSwarmPoolOptions(options);
    this.logger = options.logger;
    this.swarms = [];
    try {
      for (let i = 0; i < this.options.swarms; i++) this.swarms.push(new Swarm(this.options.swarm));
    } catch (error) {
      void Promise.all(this.swarms.map((s) => s.close()));
      throw error;
    }
    this.idle = [...this.swarms];
  }

  /**
   * Starts a run of `task` on a free swarm, or queues it until one is free. Throws
   * {@link PoolFullError} when `maxQueued` runs already wait, and `CLOSED` after `close()`.
   * The run's id (and `runId` in its `run.started` event and result) is the pool's id for it.
   */
  run(task: RunTask | string, given: RunOptions = {}): SwarmRun {
    if (this.closed) throw new DelmError('CLOSED', 'this swarm pool is closed; create a new one');
    // Checked now, not when a swarm takes the run: a waiting run of the wrong shape fails at once.
    const options = checkRunOptions(given);
    const input = typeof task === 'string' ? { prompt: task } : task;
    checkRunTask(input);
    // A swarm lent to another process's run comes back for this one (its agents leave that run).
    const lent = this.idle.length === 0 ? [...this.lent.values()].find((l) => !l.recalled) : undefined;
    if (this.idle.length === 0 && !lent && this.waiting.length >= this.options.maxQueued)
      throw new PoolFullError(this.running.size, this.waiting.length);
    if (lent) {
      lent.recalled = true;
      lent.abort();
    }
    const controller = new AbortController();
    const signal = controller.signal;
    const unlink = abortWhen(options.signal, controller);
    let resolve!: (r: RunResult) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<RunResult>((res, rej) => ((resolve = res), (reject = rej)));
    const entry: PoolEntry = {
      id: randomUUID(),
      task: input,
      created: Date.now(),
      signal,
      stream: new EventStream<SwarmEvent>(),
      onEvent: options.onEvent,
      traceContext: options.traceContext ?? otelContext.active(),
      logger: options.logger,
      tools: options.tools,
      resolve: (r) => {
        unlink();
        resolve(r);
      },
      reject: (e) => {
        unlink();
        reject(e);
      },
      unlisten: () => {},
    };
    if (signal.aborted) this.finishUnstarted(entry);
    else {
      const swarm = this.idle.pop();
      if (swarm) this.start(entry, swarm);
      else {
        const onAbort = () => {
          const at = this.waiting.indexOf(entry);
          if (at >= 0) this.waiting.splice(at, 1);
          this.finishUnstarted(entry);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.unlisten = () => signal.removeEventListener('abort', onAbort);
        this.waiting.push(entry);
      }
    }
    return {
      id: entry.id,
      events: entry.stream,
      result,
      abort: () => controller.abort(),
      then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
    };
  }

  /**
   * Lends an idle swarm to run `runId`, which another process coordinates (Redis substrate only: see
   * `Swarm.join`), or returns undefined when no swarm is idle or runs are waiting. The swarm comes back
   * when that run ends, or as soon as a run of this pool needs it: the join is aborted (its agents
   * leave the run and give their tasks back) and the new run starts on the swarm. Its events are
   * those of any run: iterate them (or pass `onEvent`) to see them.
   */
  join(runId: string, options: JoinOptions = {}): SwarmRun | undefined {
    if (this.closed || this.waiting.length > 0) return undefined;
    const swarm = this.idle.pop();
    if (!swarm) return undefined;
    let inner: SwarmRun;
    try {
      inner = swarm.join(runId, options);
    } catch (error) {
      this.release(swarm);
      throw error;
    }
    this.lent.set(swarm, { abort: () => inner.abort(), recalled: false });
    const back = () => {
      this.lent.delete(swarm);
      this.release(swarm);
    };
    inner.result.then(back, back);
    return inner;
  }

  /** How many runs execute and wait now. */
  stats(): SwarmPoolStats {
    return {
      swarms: this.swarms.length,
      running: this.running.size,
      queued: this.waiting.length,
      maxQueued: this.options.maxQueued,
      lent: this.lent.size,
      closed: this.closed,
    };
  }

  /** Aborts every waiting and running run (their results resolve with `aborted`) and ends every worker thread. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    for (const entry of this.waiting.splice(0)) {
      entry.unlisten();
      this.finishUnstarted(entry);
    }
    for (const { abort } of this.running.values()) abort();
    for (const { abort } of this.lent.values()) abort();
    this.closing = Promise.all(this.swarms.map((s) => s.close())).then(() => undefined);
    return this.closing;
  }

  private emit(entry: PoolEntry, event: SwarmEvent): void {
    const stamped = event.type === 'run.started' ? { ...event, runId: entry.id } : event;
    entry.stream.push(stamped);
    callListener(entry.onEvent, stamped);
  }

  private start(entry: PoolEntry, swarm: Swarm): void {
    entry.unlisten();
    let inner: SwarmRun;
    try {
      inner = swarm.run(entry.task, {
        signal: entry.signal,
        onEvent: (e) => this.emit(entry, e),
        traceContext: entry.traceContext,
        logger: (entry.logger ?? this.logger)?.child({ runId: entry.id }),
        ...(entry.tools !== undefined ? { tools: entry.tools } : {}),
        runId: entry.id,
      });
    } catch (error) {
      entry.stream.end();
      entry.reject(error);
      this.release(swarm);
      return;
    }
    this.running.set(entry.id, { entry, abort: () => inner.abort() });
    inner.result.then(
      (result) => this.settle(entry, swarm, () => entry.resolve({ ...result, runId: entry.id })),
      (error: unknown) => this.settle(entry, swarm, () => entry.reject(error)),
    );
  }

  private settle(entry: PoolEntry, swarm: Swarm, deliver: () => void): void {
    this.running.delete(entry.id);
    entry.stream.end();
    deliver();
    this.release(swarm);
  }

  /** Hands a swarm that just became free to the next waiting run, or parks it. */
  private release(swarm: Swarm): void {
    if (this.closed) return;
    const next = this.waiting.shift();
    if (next) this.start(next, swarm);
    else this.idle.push(swarm);
  }

  /** A run aborted before any swarm took it: it resolves `aborted`, with nothing done. */
  private finishUnstarted(entry: PoolEntry): void {
    const wallTimeMs = Date.now() - entry.created;
    this.emit(entry, { type: 'run.finished', at: wallTimeMs, stopReason: 'aborted' });
    entry.stream.end();
    entry.resolve({
      runId: entry.id,
      answer: undefined,
      stopReason: 'aborted',
      error: undefined,
      errorCode: undefined,
      entries: [],
      usage: emptyUsage(),
      costUsd: 0,
      wallTimeMs,
      tasks: { total: 0, pending: 0, claimed: 0, done: 0, failed: 0, open: 0 },
      agents: [],
      timeline: [],
      waitingShare: 0,
      waiting: { ...NO_WAITING },
    });
  }
}

/** Creates a pool of swarms; invalid options throw InvalidConfigError listing every problem. */
export function createSwarmPool(options: SwarmPoolOptions = {}): SwarmPool {
  return new SwarmPool(options);
}
