/**
 * A {@link TaskQueue} seen through the {@link AsyncTaskQueue} contract, so code (and the contract
 * tests) written against the async contract runs on the shared-memory queue too.
 */
import type { AsyncTaskQueue, ClaimOptions, Lease, TaskInput, TaskQueue } from './types.js';

/** Adapts a synchronous queue: every call runs at once and resolves with its result. */
export function asyncQueue(queue: TaskQueue): AsyncTaskQueue {
  // An async function turns a synchronous throw into a rejection, as a network backend would report it.
  const run = async <T>(fn: () => T): Promise<T> => fn();
  return {
    enqueue: (task: TaskInput | string) => run(() => queue.enqueue(task)),
    tryClaim: (agentId: number, leaseMs?: number) => run(() => queue.tryClaim(agentId, leaseMs)),
    claim: (agentId: number, options?: ClaimOptions) => queue.claimAsync(agentId, options),
    extend: (lease: Lease, leaseMs?: number) => run(() => queue.extend(lease, leaseMs)),
    complete: (lease: Lease, result?: string) => run(() => queue.complete(lease, result)),
    completeAndClaim: (lease: Lease, result: string, agentId: number, leaseMs?: number) =>
      run(() => {
        queue.complete(lease, result);
        return queue.tryClaim(agentId, leaseMs);
      }),
    fail: (lease: Lease, reason: string, options?: { retry?: boolean }) =>
      run(() => queue.fail(lease, reason, options)),
    release: (lease: Lease) => run(() => queue.release(lease)),
    heldBy: (agentId: number) => run(() => queue.heldBy(agentId)),
    get: (id: number) => run(() => queue.get(id)),
    stats: () => run(() => queue.stats()),
    isDrained: () => run(() => queue.isDrained()),
    close: () => run(() => queue.close()),
    isClosed: () => run(() => queue.closed),
  };
}
