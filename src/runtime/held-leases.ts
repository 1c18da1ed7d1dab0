/**
 * Leases of agents whose threads the supervisor terminated: what their events said they held (named
 * in `agent.crashed`), and giving back what the queue says they hold when a run stopped, so the task
 * is claimable at once rather than when the lease expires (a process leaving on SIGINT, a slow agent
 * past the stop grace).
 */
import type { AsyncTaskQueue } from '../queue/types.js';
import type { WorkerEvent } from './events.js';

/** The tasks each agent holds, kept current from the agents' own events. */
export class HeldLeases {
  private readonly byAgent = new Map<number, Set<number>>();

  /** Follows one event: a claim adds its task, a completion or failure drops it. */
  observe(event: WorkerEvent): void {
    if (event.type === 'task.claimed') {
      let held = this.byAgent.get(event.agentId);
      if (!held) this.byAgent.set(event.agentId, (held = new Set<number>()));
      held.add(event.taskId);
    } else if (event.type === 'task.completed' || event.type === 'task.failed')
      this.byAgent.get(event.agentId)?.delete(event.taskId);
  }

  /** The tasks `agentId` holds, forgotten here. */
  take(agentId: number): number[] {
    const held = [...(this.byAgent.get(agentId) ?? [])];
    this.byAgent.delete(agentId);
    return held;
  }
}

/**
 * Gives back every lease the queue records for `agentId`, an agent whose thread is gone (a released
 * claim is not counted as an attempt). Read from the queue, not from the agent's events, which a
 * thread terminated at once may not have posted. The generation fences each release: a lease that
 * expired and was claimed again meanwhile is refused by the queue and left alone.
 */
export async function releaseHeld(queue: AsyncTaskQueue, agentId: number): Promise<void> {
  const held = await queue.heldBy(agentId);
  await Promise.all(held.map((lease) => queue.release(lease).catch(() => undefined)));
}
