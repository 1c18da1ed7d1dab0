/**
 * The task queue: pending sub-tasks that any agent may claim on its own, with leases.
 * This file is the interface; `shared-queue.ts` is the SharedArrayBuffer + Atomics implementation.
 * Nothing above it may assume shared memory.
 */

/** Lifecycle state of a task. */
export type TaskState = 'pending' | 'claimed' | 'done' | 'failed';

/** What a producer supplies to enqueue a task. */
export interface TaskInput {
  /** Text or JSON payload. */
  payload: string;
  /** Higher is claimed first; clamped to 0..3. Default 1. */
  priority?: number;
  /** Claims allowed before the task is failed (an expired lease counts). Default: the queue's. */
  maxAttempts?: number;
  /** Task that spawned this one, or -1. */
  parentId?: number;
}

/** Proof of a claim. Only the holder of the current lease can extend, complete, fail or release. */
export interface Lease {
  readonly taskId: number;
  /** Claim generation; a newer claim of the same task invalidates older leases. */
  readonly generation: number;
  /** ms on the queue's clock (Date.now(), unless the queue was made with a ManualClock) after which the lease may be taken over. */
  readonly deadline: number;
  /** 1 for the first claim, 2 for the second, … */
  readonly attempt: number;
  readonly agentId: number;
  readonly payload: string;
  readonly priority: number;
  readonly parentId: number;
}

/** A task as an observer sees it. */
export interface TaskRecord {
  id: number;
  state: TaskState;
  payload: string;
  priority: number;
  parentId: number;
  attempts: number;
  /** Result passed to `complete`, when done. */
  result: string | undefined;
  /** Reason passed to `fail` (or the expiry reason), when failed. */
  failureReason: string | undefined;
}

/** Counts by state; `open` = pending + claimed. */
export interface QueueStats {
  total: number;
  pending: number;
  claimed: number;
  done: number;
  failed: number;
  open: number;
}

/** Options of a claim. */
export interface ClaimOptions {
  /** Lease length in ms. Default: the queue's. */
  leaseMs?: number;
  /** How long to wait for a task before giving up (0 = don't wait). Default 0. */
  timeoutMs?: number;
  /** Return undefined as soon as the queue is drained (default true); false keeps waiting for new tasks. */
  stopWhenDrained?: boolean;
  /** Keep retrying this long (µs) before sleeping, so a task that arrives right away is picked up without a wake-up; 0: one attempt, then sleep. Default 50. */
  spinMicros?: number;
  signal?: AbortSignal;
}

/** The task queue contract shared by every backend. */
export interface TaskQueue {
  enqueue(task: TaskInput | string): number;
  /** Claim without waiting; undefined when nothing is claimable now. */
  tryClaim(agentId: number, leaseMs?: number): Lease | undefined;
  /** Claim, sleeping (Atomics.wait) until a task is claimable, the queue drains (see `stopWhenDrained`) or closes, or the timeout. Workers only. */
  claim(agentId: number, options?: ClaimOptions): Lease | undefined;
  /** Same as claim, but never blocks the thread (Atomics.waitAsync). */
  claimAsync(agentId: number, options?: ClaimOptions): Promise<Lease | undefined>;
  /** Push the deadline out; throws LeaseLostError if the lease is no longer held. */
  extend(lease: Lease, leaseMs?: number): Lease;
  /** Mark done with an optional result; throws LeaseLostError if the lease is no longer held. */
  complete(lease: Lease, result?: string): void;
  /** Mark failed with a reason (or, with `retry` and attempts left, back to pending). */
  fail(lease: Lease, reason: string, options?: { retry?: boolean }): void;
  /** Give the task back to pending without counting it as a failure. */
  release(lease: Lease): void;
  /**
   * The leases `agentId` holds now, read from the queue itself (an observer's snapshot). For a holder
   * known to be dead, so someone else can release them; the generation still fences each release.
   */
  heldBy(agentId: number): Lease[];
  get(id: number): TaskRecord;
  stats(): QueueStats;
  /** True when nothing is pending and nothing is claimed, read as one atomic word. */
  isDrained(): boolean;
  /** Wake every sleeper and make further claims return undefined. */
  close(): void;
  readonly closed: boolean;
}

/**
 * The task queue contract every backend can meet, in-process or over the network: the
 * {@link TaskQueue} operations as promises (no thread-blocking claim), plus complete-and-claim-next
 * in one step. `asyncQueue` adapts a {@link TaskQueue}; the Redis queue implements it directly.
 */
export interface AsyncTaskQueue {
  enqueue(task: TaskInput | string): Promise<number>;
  /** Claim without waiting; undefined when nothing is claimable now. */
  tryClaim(agentId: number, leaseMs?: number): Promise<Lease | undefined>;
  /** Claim, waiting until a task is claimable, the queue drains (see `stopWhenDrained`) or closes, or the timeout. */
  claim(agentId: number, options?: ClaimOptions): Promise<Lease | undefined>;
  /** Push the deadline out; rejects with LeaseLostError if the lease is no longer held. */
  extend(lease: Lease, leaseMs?: number): Promise<Lease>;
  /** Mark done with an optional result; rejects with LeaseLostError if the lease is no longer held. */
  complete(lease: Lease, result?: string): Promise<void>;
  /** Complete `lease`, then claim the next task for `agentId` without waiting (one round trip where the backend can). */
  completeAndClaim(lease: Lease, result: string, agentId: number, leaseMs?: number): Promise<Lease | undefined>;
  /** Mark failed with a reason (or, with `retry` and attempts left, back to pending). */
  fail(lease: Lease, reason: string, options?: { retry?: boolean }): Promise<void>;
  /** Give the task back to pending without counting it as a failure. */
  release(lease: Lease): Promise<void>;
  /** The leases `agentId` holds now (see {@link TaskQueue.heldBy}). */
  heldBy(agentId: number): Promise<Lease[]>;
  get(id: number): Promise<TaskRecord>;
  stats(): Promise<QueueStats>;
  /** True when nothing is pending and nothing is claimed, read atomically. */
  isDrained(): Promise<boolean>;
  /** Wake every waiter and make further claims return undefined. */
  close(): Promise<void>;
  isClosed(): Promise<boolean>;
}
