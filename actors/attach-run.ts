/** What every worker host does first: attach the run's shared memory, load its model and protocol. */
import type { MessagePort } from 'node:worker_threads';
import { InvalidConfigError } from '../src/errors.js';
import { loadModel } from '../src/runtime/model-loader.js';
import { meterModel } from '../src/runtime/meter.js';
import type { ModelRef, ResolvedSwarmOptions } from '../src/runtime/options.js';
import type { SwarmProtocol } from '../src/protocols/kit/protocol.js';
import { loadProtocol, type ProtocolRef } from '../src/protocols/registry.js';
import type { WorkerEvent } from '../src/runtime/events.js';
import { attachRunSubstrate, type AttachedSubstrate, type RunHandles } from '../src/runtime/substrate.js';
import type { LanguageModel } from '../src/providers/types.js';

/** The piscina task that starts a worker host. Handles and settings only: never task data. */
export interface WorkerInit {
  role: 'agent' | 'verifier';
  agentId: number;
  handles: RunHandles;
  options: ResolvedSwarmOptions;
  /** The protocol: a built-in by name, or a module URL and export of your own. */
  protocol: ProtocolRef;
  /** The model this worker calls (the judge model for the verifier, if any). */
  model: ModelRef | undefined;
}

/** A worker's view of its run. */
export interface AttachedRun extends AttachedSubstrate {
  agentId: number;
  options: ResolvedSwarmOptions;
  protocol: SwarmProtocol;
  model: LanguageModel;
  emit: (event: WorkerEvent) => void;
  close: () => void;
}

const noModel: LanguageModel = {
  id: 'none',
  complete: () => Promise.reject(new InvalidConfigError('no model is configured for this worker (the verifier has none unless judgeModel is set)')),
};

/** Attaches everything a host needs. Events go to the main thread over `eventsPort`. */
export async function attachRun(init: WorkerInit, eventsPort: MessagePort): Promise<AttachedRun> {
  const substrate = attachRunSubstrate(init.handles, init.role);
  // Events are telemetry: batch them per turn of the event loop, since postMessage costs tens of µs
  // per call on a busy machine and an agent step emits a dozen of them.
  let batch: WorkerEvent[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    eventsPort.postMessage(events);
  };
  const emit = (event: WorkerEvent) => {
    if (batch.push(event) === 1) setImmediate(flush);
  };
  const protocol = await loadProtocol(init.protocol);
  const raw = init.model === undefined ? noModel : await loadModel(init.model, init.options.prices);
  const model = meterModel(raw, { agentId: init.agentId, role: init.role, budget: substrate.budget, rateLimiter: substrate.rateLimiter, emit });
  return {
    ...substrate,
    agentId: init.agentId,
    options: init.options,
    protocol,
    model,
    emit,
    close: () => {
      flush();
      eventsPort.close();
    },
  };
}
