/**
 * The leases each agent holds, as its events tell: what the supervisor gives back for an agent whose
 * thread it had to terminate when a run stopped, so the task is claimable at once rather than when
 * the lease expires (a process leaving on SIGINT, a slow agent past the stop grace).
 */
import type { AsyncTaskQueue, Lease } from '../queue/types.js';
import type { WorkerEvent } from './events.js';

/** One lease an agent holds. */
export interface HeldLease {
  taskId: number;
  generation: number;
  attempt: number;
}

/** Leases held, by agent, kept current from the agents' own events. */
export class HeldLeases {
  private readonly byAgent = new Map<number, Map<number, HeldLease>>();

  /** Follows one event: a claim adds its lease, a completion or failure drops it. */
  observe(event: WorkerEvent): void {
    if (event.type === 'task.claimed') {
      // Records made before claims carried their generation cannot be given back: the lease expires instead.
      if (event.generation === undefined) return;
      let held = this.byAgent.get(event.agentId);
      if (!held) this.byAgent.set(event.agentId, (held = new Map<number, HeldLease>()));
      held.set(event.taskId, { taskId: event.taskId, generation: event.generation, attempt: event.attempt });
    } else if (event.type === 'task.completed' || event.type === 'task.failed')
      this.byAgent.get(event.agentId)?.delete(event.taskId);
  }

  /** What `agentId` holds, forgotten here. */
  take(agentId: number): HeldLease[] {
    const held = [...(this.byAgent.get(agentId)?.values() ?? [])];
    this.byAgent.delete(agentId);
    return held;
  }
}

/**
 * Gives the leases back to the queue (a released claim is not counted as an attempt). The generation
 * fences: a lease the agent already gave back itself, or that expired and was claimed again, is
 * refused by the queue and left alone.
 */
export async function releaseHeld(queue: AsyncTaskQueue, agentId: number, held: readonly HeldLease[]): Promise<void> {
  await Promise.all(
    held.map(async ({ taskId, generation, attempt }) => {
      // Both backends' release reads only the task id and the generation; the rest is the lease's shape.
      const lease: Lease = {
        taskId,
        generation,
        attempt,
        agentId,
        deadline: 0,
        payload: '',
        priority: 0,
        parentId: -1,
      };
      await queue.release(lease).catch(() => undefined);
    }),
  );
}
