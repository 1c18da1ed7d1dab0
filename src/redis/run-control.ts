/**
 * A run's coordination on Redis, shared by every process of the run: the finalizer election (one
 * agent finalizes each drain of the queue), the run's phase and stop reason, the proposal counters the
 * finalizer waits on, agent ids unique across processes, and the run's stored settings. Each state
 * change is one call of the delm library (functions/run.lua.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, fcall, isConnectionLoss, retried, runPrefix, type RedisClient, type RedisTarget } from './client.js';
import { borrowBlocking, giveBackBlocking, keepsSpares, type BlockingConnection } from './connection-cache.js';
import { listMembers, MEMBER_TTL_MS } from './members.js';
import { FN, ensureLibrary } from './library.js';

/** Outcome of an election, as the agent machine expects it. */
export type RedisElection = { role: 'finalize'; round: number } | { role: 'claim' } | { role: 'exit' };

/** Default of how long a finished or stopped run's keys are kept: 7 days. */
export const KEEP_FINISHED_MS = 7 * 24 * 3_600_000;

/** How long a run's keys outlive it, and its members' key expiry (set by the process that creates the run). */
export interface RedisRunKeep {
  /** How long a finished or stopped run's keys are kept, ms (default 7 days). */
  keepFinishedMs?: number;
  /** Expiry of each member's key, ms (default 10 s): a process that died drops out of the run's members after it. */
  memberTtlMs?: number;
}

/** Why a run stopped early. */
export type RedisStopReason = 'aborted' | 'budget' | 'wall-time' | 'error';

/** A run's coordination state. */
export interface RedisRunState {
  phase: 'running' | 'finalizing' | 'finished' | 'stopped';
  round: number;
  finalizer: number;
  stopReason: RedisStopReason | undefined;
  sent: number;
  processed: number;
  /** The last agent id handed out. */
  agents: number;
}

const PHASES = ['running', 'finalizing', 'finished', 'stopped'] as const;
const PHASE = { RUNNING: 0, FINALIZING: 1, FINISHED: 2 } as const;
/** How long to wait before asking again after the connection to Redis was lost. */
const POLL_MS = 5;
/**
 * Longest wait of an agent blocked for the finalizer's decision, or of a finalizer for the verifier,
 * before it asks again (what it waits for wakes it at once: this only bounds a wake-up lost with a
 * connection, or a verifier that died).
 */
const WAIT_MS = 250;

/** Coordination of one run on Redis. */
export class RedisRunControl {
  private readonly meta: string;
  private readonly wakeKey: string;
  private readonly settleKey: string;
  /** The connection an agent waiting for the finalizer's decision blocks on (see {@link elect}). */
  private waiter: BlockingConnection | undefined;
  /** Blocking reads waiting on {@link waiter}. */
  private waiting = 0;

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The run's key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
  ) {
    this.meta = `${prefix}r:meta`;
    this.wakeKey = `${prefix}r:wake`;
    this.settleKey = `${prefix}r:settle`;
  }

  /** Ids of the runs in this Redis that are still going (running or finalizing), oldest key order not guaranteed. */
  static async openRuns(target: RedisTarget): Promise<string[]> {
    const { client, owned } = await connect(target);
    try {
      const ids: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: 'delm:{*}:r:meta', COUNT: 1000 })) {
        for (const key of keys) {
          const phase = await client.hGet(key, 'phase');
          if (phase === '0' || phase === '1') ids.push(key.slice('delm:{'.length, key.indexOf('}:')));
        }
      }
      return ids;
    } finally {
      if (owned) await client.close();
    }
  }

  /**
   * Whether run `runId` is one other processes can help with: planned (its tasks enqueued; or still
   * planning, with `planning`), running or finalizing, and with a live process that has a verifier
   * (its coordinator, or a standby). A run whose processes all died stays `running` in Redis until
   * `delm resume` picks it up: helping it would only wait for a verifier that is gone.
   */
  static async isGoing(target: RedisTarget, runId: string, options: { planning?: boolean } = {}): Promise<boolean> {
    const control = await RedisRunControl.open(target, runId);
    try {
      if ((await control.config()) === undefined) return false;
      if (!options.planning && !(await control.isPlanned())) return false;
      const { phase } = await control.state();
      if (phase !== 'running' && phase !== 'finalizing') return false;
      return (await listMembers({ client: control.client }, runId)).some((m) => m.verifier !== 'none');
    } finally {
      await control.disconnect();
    }
  }

  /** Opens the coordination of run `runId` (created by {@link init}). */
  static async open(target: RedisTarget, runId: string): Promise<RedisRunControl> {
    const prefix = runPrefix(runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      return new RedisRunControl(client, owned, prefix);
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  /**
   * The coordination of run `runId` on `client` (the caller keeps it), already opened elsewhere: no
   * round trip. How a run's worker threads attach to the run their main thread opened.
   */
  static attach(client: RedisClient, runId: string): RedisRunControl {
    return new RedisRunControl(client, false, runPrefix(runId));
  }

  private call(fn: string, args: readonly string[] = []): Promise<unknown> {
    return fcall(this.client, FN + fn, this.prefix, args);
  }

  /**
   * Creates the run with its settings (JSON), how long its keys are kept once it finished or stopped,
   * and the expiry of its members' keys (each kept as first written).
   */
  async init(config: string, keep: RedisRunKeep = {}): Promise<void> {
    await this.call('r_init', [
      config,
      String(keep.keepFinishedMs ?? KEEP_FINISHED_MS),
      String(keep.memberTtlMs ?? MEMBER_TTL_MS),
    ]);
  }

  /** How long the run's keys are kept once it ended, and its members' key expiry, as its creator set them. */
  async keep(): Promise<Required<RedisRunKeep>> {
    const [keepFinished, memberTtl] = await retried(this.client, () =>
      this.client.sendCommand<Array<string | null>>(['HMGET', this.meta, 'keep', 'memberTtl']),
    );
    return {
      keepFinishedMs: Number(keepFinished) || KEEP_FINISHED_MS,
      memberTtlMs: Number(memberTtl) || MEMBER_TTL_MS,
    };
  }

  /**
   * Gives the run's keys their expiry if the run finished or stopped (every process calls this as it
   * leaves, so keys written late get it too); a running run's keys never expire. Resolves how many keys got it.
   */
  async expireIfEnded(): Promise<number> {
    return (await this.call('r_expire')) as number;
  }

  /**
   * Gives the run's keys an expiry of 1 ms if it finished or stopped (its keep lowered to that, so a
   * process leaving it later does not lengthen it): a finished run its owner no longer keeps. Resolves
   * how many keys got it (0 for a run that is going or does not exist).
   */
  async expireNow(): Promise<number> {
    if (!(await this.client.sendCommand<number>(['EXISTS', this.meta]))) return 0;
    await this.client.sendCommand(['HSET', this.meta, 'keep', '1']);
    return this.expireIfEnded();
  }

  /** The run goes on again (a stopped run resumed): its keys no longer expire. */
  async persist(): Promise<void> {
    await this.call('r_persist');
  }

  /** The run's settings as written by {@link init}, or undefined when no such run exists. */
  async config(): Promise<string | undefined> {
    return (await this.client.sendCommand<string | null>(['GET', `${this.prefix}r:config`])) ?? undefined;
  }

  /**
   * Claim, finalize or exit; while another agent finalizes, waits for its decision: blocked (XREAD on a
   * connection of its own) until the phase changes, not polling.
   */
  async elect(agentId: number, signal?: AbortSignal): Promise<RedisElection> {
    for (;;) {
      if (signal?.aborted) return { role: 'exit' };
      const [role, second] = (await this.call('r_elect', [String(agentId)])) as [string, (number | string)?];
      if (role === 'finalize') return { role, round: second as number };
      if (role === 'claim' || role === 'exit') return { role };
      await this.block(['STREAMS', this.wakeKey, String(second ?? '0-0')], signal);
    }
  }

  /**
   * Blocks until an entry is added to one of the wake streams after the id given for it (`streams`:
   * XREAD's STREAMS clause), for at most {@link WAIT_MS}, on a connection of its own.
   */
  private async block(streams: string[], signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return;
    const waiter = (this.waiter ??= await borrowBlocking(this.client));
    const unblock = () => void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(waiter.id)]).catch(() => undefined);
    // Aborted while the connection was borrowed: no read.
    if (signal?.aborted) return;
    signal?.addEventListener('abort', unblock, { once: true });
    this.waiting++;
    try {
      await waiter.client.sendCommand(['XREAD', 'BLOCK', String(WAIT_MS), ...streams]);
    } catch (error) {
      // Redis went away: ask again (which waits for the client to reconnect).
      if (!isConnectionLoss(error)) throw error;
      await sleep(POLL_MS);
    } finally {
      this.waiting--;
      signal?.removeEventListener('abort', unblock);
      // On a cached connection, given back after each wait: the thread's queue claims share it.
      if (this.waiting === 0 && keepsSpares(this.client) && this.waiter === waiter) {
        this.waiter = undefined;
        giveBackBlocking(this.client, waiter, true);
      }
    }
  }

  /** The finalizer enqueued more work: everyone goes back to claiming. */
  async resume(): Promise<void> {
    await this.call('r_phase', [String(PHASE.RUNNING), String(PHASE.FINALIZING)]);
  }

  /** The finalizer answered: every agent exits. */
  async finish(): Promise<void> {
    await this.call('r_phase', [String(PHASE.FINISHED), String(PHASE.FINALIZING)]);
  }

  /** Stops the run for `reason` (the first reason wins). */
  async stop(reason: RedisStopReason): Promise<void> {
    await this.call('r_stop', [reason]);
  }

  /** Reopens the election if `agentId` (any finalizer when absent) died while finalizing. */
  async releaseFinalizer(agentId?: number): Promise<boolean> {
    return (await this.call('r_release', [agentId === undefined ? '' : String(agentId)])) === 1;
  }

  /** An agent sent a proposal to the verifier. */
  async proposalSent(): Promise<void> {
    await this.client.sendCommand(['HINCRBY', this.meta, 'sent', '1']);
  }

  /** The verifier finished with a proposal (committed or rejected). */
  async proposalProcessed(): Promise<void> {
    await this.client.sendCommand(['HINCRBY', this.meta, 'processed', '1']);
  }

  /**
   * Resolves once the verifier has processed every proposal sent so far (or the run stops): blocked
   * until the last one is processed (the verifier's acknowledgement wakes it) or the phase changes.
   */
  async settled(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      const [done, wakeId, settleId] = (await this.call('r_settled')) as [number, string?, string?];
      if (done === 1) return;
      await this.block(['STREAMS', this.wakeKey, this.settleKey, wakeId!, settleId!], signal);
    }
  }

  /** The run's coordination state. */
  async state(): Promise<RedisRunState> {
    const [phase, round, finalizer, stop, sent, processed, agents] = (await this.call('r_state')) as [
      number,
      number,
      number,
      string,
      number,
      number,
      number,
    ];
    return {
      phase: PHASES[phase] ?? 'stopped',
      round,
      finalizer,
      stopReason: stop === '' ? undefined : (stop as RedisStopReason),
      sent,
      processed,
      agents,
    };
  }

  /** The coordinator enqueued its plan: from here on a process that joins finds the run's tasks. */
  async markPlanned(): Promise<void> {
    await retried(this.client, () => this.client.sendCommand(['HSET', this.meta, 'planned', '1']));
  }

  /**
   * Whether the run's plan is enqueued ({@link markPlanned}). Before that an agent that joins would
   * find the queue drained and be elected to finalize a run that has not begun.
   */
  async isPlanned(): Promise<boolean> {
    return (
      (await retried(this.client, () => this.client.sendCommand<string | null>(['HGET', this.meta, 'planned']))) === '1'
    );
  }

  /** Hands out `n` agent ids no other process of the run uses; resolves the first. */
  async allocateAgents(n: number): Promise<number> {
    return (await this.call('r_agents', [String(n)])) as number;
  }

  /** Counts every proposal still waiting in the stream as sent (a process picking the run up). */
  async recount(): Promise<void> {
    await this.call('r_recount');
  }

  /** Closes this process's connections (the run lives on in Redis). */
  async disconnect(): Promise<void> {
    // Kept for the next run when this control's connection is a cached one and no read waits on it.
    if (this.waiter) giveBackBlocking(this.client, this.waiter, this.waiting === 0);
    this.waiter = undefined;
    if (this.owned) await this.client.close();
  }
}
