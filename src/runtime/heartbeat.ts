/**
 * Liveness of a run's worker threads: each worker bumps its word in shared memory on a timer of its
 * own event loop; the supervisor watches the words. A thread whose word stops moving (a model that
 * busy-loops, a heap thrashing towards out-of-memory) cannot answer anything else either, so it is
 * terminated and replaced. Word 0 means "not started yet". One word per agent id (0: the verifier).
 */

/** How often a worker beats. */
export const HEARTBEAT_MS = 200;

/** The heartbeat words of one run. */
export class Heartbeats {
  readonly buffer: SharedArrayBuffer;
  private readonly w: Int32Array;
  /** The ids beating in this thread, all on one timer (a thread may host hundreds of agents). */
  private readonly beating = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(bufferOrSlots: SharedArrayBuffer | number) {
    this.buffer = typeof bufferOrSlots === 'number' ? new SharedArrayBuffer(bufferOrSlots * 4) : bufferOrSlots;
    this.w = new Int32Array(this.buffer);
  }

  /** Beats for `agentId` now and every {@link HEARTBEAT_MS} until the returned function is called. */
  start(agentId: number): () => void {
    if (agentId < 0 || agentId >= this.w.length) return () => undefined;
    Atomics.add(this.w, agentId, 1);
    this.beating.set(agentId, (this.beating.get(agentId) ?? 0) + 1);
    this.timer ??= setInterval(() => {
      for (const id of this.beating.keys()) Atomics.add(this.w, id, 1);
    }, HEARTBEAT_MS);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      const left = (this.beating.get(agentId) ?? 1) - 1;
      if (left > 0) this.beating.set(agentId, left);
      else this.beating.delete(agentId);
      if (this.beating.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** The current beat count of `agentId` (0: it has not started). */
  read(agentId: number): number {
    return agentId >= 0 && agentId < this.w.length ? Atomics.load(this.w, agentId) : 0;
  }

  /** Zeroes every word (memory reused by the next run). */
  reset(): void {
    this.w.fill(0);
  }
}

/** Tracks, on the main thread, when each watched worker's heartbeat last moved. */
export class HeartbeatWatch {
  private readonly seen = new Map<number, { beat: number; since: number }>();

  constructor(
    private readonly beats: Heartbeats,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `agentId` has beaten at least once. */
  started(agentId: number): boolean {
    return this.beats.read(agentId) > 0;
  }

  /** Whether `agentId` started and has not beaten for longer than the timeout. */
  stalled(agentId: number): boolean {
    const beat = this.beats.read(agentId);
    const t = this.now();
    const last = this.seen.get(agentId);
    if (beat === 0) return false;
    if (!last || last.beat !== beat) {
      this.seen.set(agentId, { beat, since: t });
      return false;
    }
    return t - last.since > this.timeoutMs;
  }

  /** Forgets `agentId`. */
  forget(agentId: number): void {
    this.seen.delete(agentId);
  }

  /**
   * This whole process was paused (SIGSTOP, a suspended machine, a blocked main thread): no thread
   * could beat meanwhile, so every worker is timed afresh from now.
   */
  resumed(): void {
    this.seen.clear();
  }
}
