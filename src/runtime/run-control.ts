/**
 * Per-run coordination words in shared memory: the finalizer election, the proposal counters the
 * finalizer waits on, and the run's phase. Every agent and the verifier attach the same block.
 */
import type { Election } from '../../machines/types.js';
import { waitAsync } from '../internal/shared-memory.js';
import type { TaskQueue } from '../queue/types.js';

/** Run phase, stored in one word. */
export const PHASE = { RUNNING: 0, FINALIZING: 1, FINISHED: 2, STOPPED: 3 } as const;

const LINE = 16;
const W = {
  PHASE: 0,
  ROUND: LINE,
  FINALIZER: LINE * 2, // agent id of the elected finalizer, 0 = none
  SENT: LINE * 3, // proposals sent by agents
  PROCESSED: LINE * 4, // proposals the verifier has committed or rejected
  STOP_REASON: LINE * 5,
} as const;
const WORDS = LINE * 6;

/** Why a run stopped early, as stored in shared memory. */
export const STOP_REASONS = ['none', 'aborted', 'budget', 'wall-time', 'error'] as const;
/** A stop reason. */
export type StopCode = (typeof STOP_REASONS)[number];

/** Shared coordination block of one run. */
export class RunControl {
  readonly buffer: SharedArrayBuffer;
  private readonly w: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(WORDS * 4)) {
    this.buffer = buffer;
    this.w = new Int32Array(buffer);
  }

  get phase(): number {
    return Atomics.load(this.w, W.PHASE);
  }

  get round(): number {
    return Atomics.load(this.w, W.ROUND);
  }

  get finalizer(): number {
    return Atomics.load(this.w, W.FINALIZER);
  }

  get stopReason(): StopCode {
    return STOP_REASONS[Atomics.load(this.w, W.STOP_REASON)] ?? 'error';
  }

  /**
   * Called by an agent that found the queue drained. Exactly one caller per drain wins the CAS and
   * finalizes. "The one that finished last" is whoever first sees the drain, which can only happen
   * after the last task completed. The others are released rather than held while it decides: the
   * run's supervisor, in this process, starts them again if the finalizer enqueues more work.
   */
  async elect(agentId: number, queue: TaskQueue, signal?: AbortSignal): Promise<Election> {
    for (;;) {
      if (signal?.aborted) return { role: 'exit' };
      const phase = Atomics.load(this.w, W.PHASE);
      if (phase === PHASE.FINISHED || phase === PHASE.STOPPED) return { role: 'exit' };
      if (phase === PHASE.RUNNING) {
        if (!queue.isDrained()) return { role: 'claim' };
        if (Atomics.compareExchange(this.w, W.PHASE, PHASE.RUNNING, PHASE.FINALIZING) === PHASE.RUNNING) {
          Atomics.store(this.w, W.FINALIZER, agentId);
          return { role: 'finalize', round: Atomics.add(this.w, W.ROUND, 1) + 1 };
        }
        continue;
      }
      return { role: 'release' };
    }
  }

  /** The finalizer enqueued more work: it goes back to claiming, as do the agents the supervisor starts again. */
  resume(): void {
    Atomics.compareExchange(this.w, W.PHASE, PHASE.FINALIZING, PHASE.RUNNING);
    Atomics.store(this.w, W.FINALIZER, 0);
  }

  /** The finalizer answered: every agent exits. */
  finish(): void {
    Atomics.compareExchange(this.w, W.PHASE, PHASE.FINALIZING, PHASE.FINISHED);
  }

  /** Stop the run for `reason` (first reason wins). */
  stop(reason: Exclude<StopCode, 'none'>): void {
    Atomics.compareExchange(this.w, W.STOP_REASON, 0, STOP_REASONS.indexOf(reason));
    const phase = Atomics.load(this.w, W.PHASE);
    if (phase !== PHASE.FINISHED) Atomics.store(this.w, W.PHASE, PHASE.STOPPED);
  }

  /** If `agentId` died while finalizing, reopen the election so another agent can take over. */
  releaseFinalizer(agentId: number): boolean {
    if (Atomics.load(this.w, W.FINALIZER) !== agentId) return false;
    if (Atomics.compareExchange(this.w, W.PHASE, PHASE.FINALIZING, PHASE.RUNNING) !== PHASE.FINALIZING) return false;
    Atomics.store(this.w, W.FINALIZER, 0);
    return true;
  }

  /** An agent sent a proposal to the verifier. */
  proposalSent(count = 1): void {
    Atomics.add(this.w, W.SENT, count);
  }

  /** The verifier finished with a proposal (committed or rejected). */
  proposalProcessed(): void {
    Atomics.add(this.w, W.PROCESSED, 1);
    Atomics.notify(this.w, W.PROCESSED);
  }

  get proposals(): { sent: number; processed: number } {
    return { sent: Atomics.load(this.w, W.SENT), processed: Atomics.load(this.w, W.PROCESSED) };
  }

  /** Resolves once the verifier has processed every proposal sent so far (or the run stops). */
  async settled(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const processed = Atomics.load(this.w, W.PROCESSED);
      if (processed >= Atomics.load(this.w, W.SENT) || signal?.aborted || this.phase === PHASE.STOPPED) return;
      await waitAsync(this.w, W.PROCESSED, processed, 250);
    }
  }
}
