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

/**
 * Task shape: the init plus its transferred ports: events (both ways for an agent: the main thread
 * stops it there) and, for the verifier, a comlink control port.
 */
export interface SwarmWorkerTask {
  init: WorkerInit;
  controlPort?: MessagePort | undefined;
  eventsPort: MessagePort;
}

/** Piscina handler. Resolves with the machine's output when the agent or verifier ends. */
export default async function swarmWorker(task: SwarmWorkerTask): Promise<unknown> {
  // Agents' threads yield the CPU to the verifier's (its own pool's thread, never an agent's).
  if (task.init.role === 'agent') lowerThreadPriority(task.init.options.agentNice);
  try {
    if (task.init.role !== 'verifier') return await runAgent(task.init, task.eventsPort, task.controlPort);
    if (!task.controlPort) throw new Error('swarm-worker: the verifier needs a control port');
    return await runVerifier(task.init, task.controlPort, task.eventsPort);
  } finally {
    // A host that failed before closing its run leaves the thread's shared event batch here (its
    // pending events go out over its port), so the batch never posts over a port nobody reads.
    leaveEventBatch(task.eventsPort);
  }
}
