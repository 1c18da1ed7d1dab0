/**
 * Piscina entry of every swarm worker thread: a task hosts a group of agents (all the agents of a
 * run on this thread, with `threads`; one agent otherwise), or the verifier. The thread stays in the
 * pool between runs, so a swarm runs many tasks without restarting workers.
 */
import type { MessagePort } from 'node:worker_threads';
import { runAgentGroup } from './agent-host.js';
import { runVerifier } from './verifier-host.js';
import type { WorkerInit } from './attach-run.js';
import { lowerThreadPriority } from '../src/internal/thread-priority.js';

/**
 * Task shape: the init plus its transferred ports: events (both ways for agents: the main thread
 * stops them, hosts more and closes the task there) and, for the verifier, a comlink control port.
 */
export interface SwarmWorkerTask {
  init: WorkerInit;
  /** The agents the task starts with (agent tasks only). */
  agentIds?: readonly number[] | undefined;
  /** Where the agents' completions are journaled (agent tasks only; see completion-journal.ts). */
  journal?: SharedArrayBuffer | undefined;
  controlPort?: MessagePort | undefined;
  eventsPort: MessagePort;
}

/** Piscina handler. Resolves with the verifier's output, or once an agent task was closed. */
export default async function swarmWorker(task: SwarmWorkerTask): Promise<unknown> {
  if (task.init.role === 'agent') {
    // Agents' threads yield the CPU to the verifier's (its own pool's thread, never an agent's).
    lowerThreadPriority(task.init.options.agentNice);
    return runAgentGroup(task.init, task.agentIds ?? [], task.eventsPort, task.journal);
  }
  if (!task.controlPort) throw new Error('swarm-worker: the verifier needs a control port');
  return runVerifier(task.init, task.controlPort, task.eventsPort);
}
