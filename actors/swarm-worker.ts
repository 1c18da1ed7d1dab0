/**
 * Piscina entry of every swarm worker thread: one long-running task per agent (or the verifier).
 * The thread stays in the pool between runs, so a swarm runs many tasks without restarting workers.
 */
import type { MessagePort } from 'node:worker_threads';
import { runAgent } from './agent-host.js';
import { runVerifier } from './verifier-host.js';
import type { WorkerInit } from './attach-run.js';
import { leaveEventBatch } from './thread-events.js';
import { lowerThreadPriority } from '../src/internal/thread-priority.js';

/** Task shape: the init plus two transferred ports (comlink control, events). */
export interface SwarmWorkerTask {
  init: WorkerInit;
  controlPort: MessagePort;
  eventsPort: MessagePort;
}

/** Piscina handler. Resolves with the machine's output when the agent or verifier ends. */
export default async function swarmWorker(task: SwarmWorkerTask): Promise<unknown> {
  // Agents' threads yield the CPU to the verifier's (its own pool's thread, never an agent's).
  if (task.init.role === 'agent') lowerThreadPriority(task.init.options.agentNice);
  try {
    return await (task.init.role === 'verifier'
      ? runVerifier(task.init, task.controlPort, task.eventsPort)
      : runAgent(task.init, task.controlPort, task.eventsPort));
  } finally {
    // A host that failed before closing its run leaves the thread's shared event batch here (its
    // pending events go out over its port), so the batch never posts over a port nobody reads.
    leaveEventBatch(task.eventsPort);
  }
}
