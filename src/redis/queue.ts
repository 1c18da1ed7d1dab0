/**
 * The task queue on Redis: the {@link AsyncTaskQueue} contract, every state change one call of the
 * delm library's functions (see functions/queue.lua.ts), so processes on any machine share one queue.
 * Leases are timed on the server's clock; an idle claimer blocks with BLPOP on a connection of its own
 * until a task arrives, the queue drains or closes, or the nearest lease deadline passes.
 */
import { z } from 'zod';
import { DelmError } from '../errors.js';
import { MANUAL_POLL_MS } from '../internal/clock.js';
import { parseConfig } from '../internal/parse.js';
import type {
  AsyncTaskQueue,
  ClaimOptions,
  Lease,
  QueueStats,
  TaskInput,
  TaskRecord,
  TaskState,
} from '../queue/types.js';
import { connect, fcall, isConnectionLoss, runPrefix, type RedisClient, type RedisTarget } from './client.js';
import { borrowBlocking, giveBackBlocking, keepsSpares, type BlockingConnection } from './connection-cache.js';
import { FN, ensureLibrary } from './library.js';
import { extend } from '../internal/extend.js';

/** Options of {@link RedisTaskQueue.open} (validated). They take effect when the run's queue is first created. */
export const RedisQueueOptionsSchema = z
  .object({
    /** The run whose queue this is; every process of the run opens it with the same id. */
    runId: z.string().min(1),
    /** Default lease length in ms. */
    leaseMs: z.number().int().min(1).max(86_400_000).default(30_000),
    /** Claims allowed per task before an expired lease fails it. */
    maxAttempts: z.number().int().min(1).max(1000).default(3),
    maxTasks: z.number().int().min(1).max(1_000_000_000).default(1_000_000),
    /** Largest payload in UTF-8 bytes. */
    maxPayloadBytes: z
      .number()
      .int()
      .min(1)
      .max(512 << 20)
      .default(1 << 20),
    /**
     * 'server' (default): leases on the Redis server's clock. 'manual': a clock stored with the run
     * that moves only through {@link RedisManualClock} — for tests that decide when a lease expires.
     */
    clock: z.enum(['server', 'manual']).default('server'),
  })
  .strict();

/** Options of {@link RedisTaskQueue.open}. */
export type RedisQueueOptions = z.input<typeof RedisQueueOptionsSchema>;

/** Longest single BLPOP on the server clock; a waiter re-checks at least this often. */
const MAX_SLEEP_MS = 1_000;

type ClaimReply =
  | { kind: 'lease'; lease: Lease }
  | { kind: 'closed' | 'drained'; now: number }
  | { kind: 'empty'; now: number; nextDeadline: number };

function parseClaim(reply: unknown): ClaimReply {
  const r = reply as [string, ...unknown[]];
  if (r[0] === 'lease') {
    const [, taskId, generation, deadline, attempt, payload, priority, parentId] = r as [
      string,
      number,
      number,
      number,
      number,
      string,
      number,
      number,
    ];
    return { kind: 'lease', lease: { taskId, generation, deadline, attempt, agentId: 0, payload, priority, parentId } };
  }
  if (r[0] === 'empty') return { kind: 'empty', now: Number(r[1]), nextDeadline: Number(r[2]) };
  return { kind: r[0] as 'closed' | 'drained', now: Number(r[1]) };
}

/** A connection that blocks in BLPOP, with its id for CLIENT UNBLOCK. */
type Blocker = BlockingConnection;

/** Redis implementation of {@link AsyncTaskQueue}. */
export class RedisTaskQueue implements AsyncTaskQueue {
  private readonly idleBlockers: Blocker[] = [];
  private readonly allBlockers = new Set<Blocker>();
  private readonly wakeKey: string;
  private readonly maxSleepMs: number;

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The run's key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
    /** The queue's settings as stored with the run (the first opener's). */
    readonly settings: {
      leaseMs: number;
      maxAttempts: number;
      maxTasks: number;
      maxPayloadBytes: number;
      clock: 'server' | 'manual';
    },
  ) {
    this.wakeKey = `${prefix}q:wake`;
    this.maxSleepMs = settings.clock === 'manual' ? MANUAL_POLL_MS : MAX_SLEEP_MS;
  }

  /** Opens the queue of a run, creating it with `options` if the run has none yet. */
  static async open(target: RedisTarget, options: RedisQueueOptions): Promise<RedisTaskQueue> {
    const o = parseConfig(RedisQueueOptionsSchema, options, 'invalid Redis queue options');
    const prefix = runPrefix(o.runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      const [leaseMs, maxAttempts, maxTasks, maxPayloadBytes, clock] = (await fcall(client, `${FN}q_init`, prefix, [
        String(o.leaseMs),
        String(o.maxAttempts),
        String(o.maxTasks),
        String(o.maxPayloadBytes),
        o.clock,
      ])) as [number, number, number, number, 'server' | 'manual'];
      return new RedisTaskQueue(client, owned, prefix, { leaseMs, maxAttempts, maxTasks, maxPayloadBytes, clock });
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  /**
   * The queue of run `runId` on `client` (the caller keeps it), already opened elsewhere with these
   * `settings` (the {@link settings} of that queue): no round trip. How a run's worker threads attach
   * to the queue their main thread opened.
   */
  static attach(client: RedisClient, runId: string, settings: RedisTaskQueue['settings']): RedisTaskQueue {
    return new RedisTaskQueue(client, false, runPrefix(runId), { ...settings });
  }

  private call(fn: string, args: readonly string[]): Promise<unknown> {
    return fcall(this.client, FN + fn, this.prefix, args);
  }

  async enqueue(task: TaskInput | string): Promise<number> {
    const input = typeof task === 'string' ? { payload: task } : task;
    const priority = Math.max(0, Math.min(3, Math.trunc(input.priority ?? 1)));
    const maxAttempts = input.maxAttempts;
    if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < 1))
      throw new DelmError('INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`);
    return (await this.call('q_enqueue', [
      input.payload,
      String(priority),
      maxAttempts === undefined ? '' : String(maxAttempts),
      String(input.parentId ?? -1),
    ])) as number;
  }

  private withAgent(reply: ClaimReply, agentId: number): Lease | undefined {
    return reply.kind === 'lease' ? extend(reply.lease, { agentId }) : undefined;
  }

  async tryClaim(agentId: number, leaseMs?: number): Promise<Lease | undefined> {
    const reply = await this.call('q_claim', [String(agentId), leaseArg(leaseMs), '0', '0', '0']);
    return this.withAgent(parseClaim(reply), agentId);
  }

  async claim(agentId: number, options: ClaimOptions = {}): Promise<Lease | undefined> {
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? 0;
    const stop = options.stopWhenDrained === false ? '0' : '1';
    const register = timeoutMs > 0 ? '1' : '0';
    let waiting = false;
    let until: number | undefined;
    let blocker: Blocker | undefined;
    try {
      for (;;) {
        if (signal?.aborted) break;
        const reply = parseClaim(
          await this.call('q_claim', [String(agentId), leaseArg(options.leaseMs), waiting ? '1' : '0', register, stop]),
        );
        waiting = reply.kind === 'empty' && register === '1';
        if (reply.kind !== 'empty') return this.withAgent(reply, agentId);
        until ??= reply.now + timeoutMs;
        const remaining = until - reply.now;
        if (remaining <= 0 || signal?.aborted) break;
        let sleepMs = Math.min(remaining, this.maxSleepMs);
        if (reply.nextDeadline >= 0) sleepMs = Math.min(sleepMs, Math.max(1, reply.nextDeadline - reply.now + 1));
        blocker ??= await this.takeBlocker();
        await this.block(blocker, sleepMs, signal);
      }
      if (waiting) await this.call('q_unwait', []);
      return undefined;
    } finally {
      // On a cached connection, given back after each claim: the thread's other waits (the run
      // control's) share it. Otherwise kept for this queue's next claim.
      if (blocker && keepsSpares(this.client)) {
        this.allBlockers.delete(blocker);
        giveBackBlocking(this.client, blocker, true);
      } else if (blocker) this.idleBlockers.push(blocker);
    }
  }

  private async takeBlocker(): Promise<Blocker> {
    const idle = this.idleBlockers.pop();
    if (idle) return idle;
    const blocker = await borrowBlocking(this.client);
    this.allBlockers.add(blocker);
    return blocker;
  }

  /** BLPOP on the wake-up list for at most `ms`; an abort unblocks it from the main connection. */
  private async block(blocker: Blocker, ms: number, signal: AbortSignal | undefined): Promise<void> {
    const unblock = () =>
      void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(blocker.id)]).catch(() => undefined);
    signal?.addEventListener('abort', unblock, { once: true });
    try {
      await blocker.client.sendCommand(['BLPOP', this.wakeKey, (ms / 1000).toFixed(3)]);
    } catch (error) {
      // Redis went away: wake up and claim again (which waits for the client to reconnect).
      if (!isConnectionLoss(error)) throw error;
    } finally {
      signal?.removeEventListener('abort', unblock);
    }
  }

  async extend(lease: Lease, leaseMs?: number): Promise<Lease> {
    const deadline = (await this.call('q_extend', [
      String(lease.taskId),
      String(lease.generation),
      leaseArg(leaseMs),
    ])) as number;
    return extend(lease, { deadline });
  }

  private finish(lease: Lease, how: 'done' | 'failed' | 'retry' | 'release', text: string, next: string[] = []) {
    return this.call('q_finish', [String(lease.taskId), String(lease.generation), how, text, ...next]);
  }

  async complete(lease: Lease, result = ''): Promise<void> {
    await this.finish(lease, 'done', result);
  }

  async completeAndClaim(lease: Lease, result: string, agentId: number, leaseMs?: number): Promise<Lease | undefined> {
    const reply = await this.finish(lease, 'done', result, [String(agentId), leaseArg(leaseMs), '0']);
    return this.withAgent(parseClaim(reply), agentId);
  }

  async fail(lease: Lease, reason: string, options: { retry?: boolean } = {}): Promise<void> {
    await this.finish(lease, options.retry ? 'retry' : 'failed', reason);
  }

  async release(lease: Lease): Promise<void> {
    await this.finish(lease, 'release', '');
  }

  /**
   * Ends now every lease held by one of `agentIds`, agents of a process that left the run (see
   * departures.ts), as their deadlines would have ended them: each task goes back to pending, the
   * attempt counted, or fails when it has used up its attempts. Returns the ids of the tasks taken back.
   */
  async expireHeldBy(agentIds: readonly number[]): Promise<number[]> {
    if (agentIds.length === 0) return [];
    return (await this.call('q_expire_agents', agentIds.map(String))) as number[];
  }

  async heldBy(agentId: number): Promise<Lease[]> {
    // Read outside a function (no library change): each release is fenced by its generation anyway.
    const ids = await this.client.sendCommand<string[]>(['ZRANGE', `${this.prefix}q:leases`, '0', '-1']);
    const tasks = await Promise.all(
      ids.map((id) =>
        this.client.sendCommand<Array<string | null>>([
          'HMGET',
          `${this.prefix}q:t:${id}`,
          'state',
          'agent',
          'gen',
          'deadline',
          'attempts',
          'payload',
          'priority',
          'parent',
        ]),
      ),
    );
    return tasks.flatMap(([state, agent, gen, deadline, attempts, payload, priority, parent], i) =>
      state === 'claimed' && agent === String(agentId)
        ? [
            {
              taskId: Number(ids[i]),
              generation: Number(gen),
              deadline: Number(deadline),
              attempt: Number(attempts),
              agentId,
              payload: payload ?? '',
              priority: Number(priority),
              parentId: Number(parent),
            },
          ]
        : [],
    );
  }

  async get(id: number): Promise<TaskRecord> {
    if (!Number.isInteger(id) || id < 0) throw new DelmError('NOT_FOUND', `no task with id ${id}`);
    const [state, payload, priority, parentId, attempts, text] = (await this.call('q_get', [String(id)])) as [
      TaskState,
      string,
      number,
      number,
      number,
      string | null,
    ];
    return {
      id,
      state,
      payload,
      priority,
      parentId,
      attempts,
      result: state === 'done' ? (text ?? '') : undefined,
      failureReason: state === 'failed' ? (text ?? '') : undefined,
    };
  }

  async stats(): Promise<QueueStats> {
    const [total, pending, claimed, done, failed, open] = (await this.call('q_stats', [])) as number[];
    return { total: total!, pending: pending!, claimed: claimed!, done: done!, failed: failed!, open: open! };
  }

  async isDrained(): Promise<boolean> {
    return (await this.stats()).open === 0;
  }

  async close(): Promise<void> {
    await this.call('q_close', []);
  }

  async isClosed(): Promise<boolean> {
    const r = (await this.call('q_stats', [])) as number[];
    return r[6] === 1;
  }

  /** Closes this process's connections (the queue itself lives on in Redis). */
  async disconnect(): Promise<void> {
    // An idle blocker is kept for the next run when this queue's connection is a cached one; one still
    // blocked in BLPOP is closed.
    for (const b of this.allBlockers) giveBackBlocking(this.client, b, this.idleBlockers.includes(b));
    this.allBlockers.clear();
    this.idleBlockers.length = 0;
    if (this.owned) await this.client.close();
  }
}

const leaseArg = (leaseMs: number | undefined) => (leaseMs === undefined ? '' : String(leaseMs));
