/** What every worker host does first: attach the run's shared memory, load its model and protocol. */
import { threadId, type MessagePort } from 'node:worker_threads';
import type { ThreadAnnouncement } from '../src/runtime/worker-start.js';
import { InvalidConfigError } from '../src/errors.js';
import { countTokens } from '../src/providers/tokenizer.js';
import { meterModel } from '../src/runtime/meter.js';
import { loadRunModel } from '../src/runtime/run-model.js';
import type { ModelRef, ResolvedSwarmOptions } from '../src/runtime/options.js';
import type { SwarmProtocol } from '../src/protocols/kit/protocol.js';
import { loadProtocol, type ProtocolRef } from '../src/protocols/registry.js';
import type { WorkerEvent } from '../src/runtime/events.js';
import { joinEventBatch, leaveEventBatch, type SharedEventBatch } from './thread-events.js';
import { attachSharedSubstrate, type AttachedSubstrate, type RunHandles } from '../src/runtime/substrate.js';
import type { LanguageModel } from '../src/providers/types.js';
import { loadToolbox } from '../src/tools/loader.js';
import type { Toolbox } from '../src/tools/toolbox.js';
import type { WorkerTraceInit } from '../src/telemetry/span-wire.js';
import { attachTelemetry, type WorkerTelemetry } from '../src/telemetry/worker-telemetry.js';
import { monotonicMs } from '../src/internal/monotonic.js';

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
  /** The run span's context when the run is traced. */
  telemetry?: WorkerTraceInit | undefined;
  /** The run's id: agents of one run that share a thread share its ledger view. */
  runId?: string | undefined;
}

/** A worker's view of its run. */
export interface AttachedRun extends AttachedSubstrate {
  agentId: number;
  options: ResolvedSwarmOptions;
  protocol: SwarmProtocol;
  model: LanguageModel;
  emit: (event: WorkerEvent) => void;
  telemetry: WorkerTelemetry;
  /** The agent's tools (agents of a run with `tools` only). */
  toolbox: Toolbox | undefined;
  /** Ends the worker's span (with its final status), posts its last events and closes its connections. */
  close: (status?: string) => Promise<void>;
}

/**
 * Ledger views of the runs this thread hosts agents of, shared by those agents: protocols keep
 * incremental indexes per view, so one view per thread reads each new entry once, not once per agent.
 */
const ledgerViews = new Map<string, { ledger: AttachedSubstrate['ledger']; users: number }>();

function sharedLedgerView(
  runId: string,
  own: AttachedSubstrate['ledger'],
): { ledger: typeof own; release: () => void } {
  const view = ledgerViews.get(runId) ?? { ledger: own, users: 0 };
  ledgerViews.set(runId, view);
  view.users++;
  return {
    ledger: view.ledger,
    release: () => {
      if (--view.users === 0) ledgerViews.delete(runId);
    },
  };
}

/** Events posted as soon as they are emitted rather than batched per turn. */
const URGENT = new Set<WorkerEvent['type']>(['usage', 'task.completed', 'task.failed']);

const noModel: LanguageModel = {
  id: 'none',
  complete: () =>
    Promise.reject(
      new InvalidConfigError('no model is configured for this worker (the verifier has none unless judgeModel is set)'),
    ),
};

/** Attaches everything a host needs. Events go to the main thread over `eventsPort`. */
export async function attachRun(init: WorkerInit, eventsPort: MessagePort): Promise<AttachedRun> {
  // First, the thread this host runs on: agents may share it, and the supervisor kills threads, not agents.
  eventsPort.postMessage({ threadId } satisfies ThreadAnnouncement);
  const backend = init.handles.backend;
  const attached =
    backend.kind === 'redis'
      ? // Loaded only for a run on Redis: the shared-memory path never pays for the Redis client's import.
        await (
          await import('../src/runtime/redis-substrate.js')
        ).attachRedisSubstrate(init.handles, backend, init.options, init.role)
      : attachSharedSubstrate(init.handles, backend, init.role);
  const view =
    init.role === 'agent' && init.runId !== undefined && backend.kind !== 'redis'
      ? sharedLedgerView(init.runId, attached.ledger)
      : undefined;
  const substrate = view ? { ...attached, ledger: view.ledger } : attached;
  // Events are telemetry: batch them per turn of the event loop, across every agent of the run this
  // thread hosts, since postMessage costs tens of µs per call on a busy machine and an agent step emits a dozen.
  // Joined once start-up can no longer fail (see below), so no batch keeps the port of a host that never ran.
  let events: SharedEventBatch | undefined;
  const join = () => (events ??= joinEventBatch(init.role === 'agent' ? init.runId : undefined, eventsPort));
  const emit = (event: WorkerEvent) => {
    // Stamped here, on the clock every thread shares, so a state's length is true however late its batch arrives.
    event.stampedAt = monotonicMs();
    // What bills and task outcomes rest on goes out at once: a thread that dies next keeps it.
    (events ?? join()).push(event, eventsPort, URGENT.has(event.type));
  };
  const protocol = await loadProtocol(init.protocol);
  const telemetry = attachTelemetry(init.telemetry, init.role, init.agentId, eventsPort);
  const meter = {
    agentId: init.agentId,
    role: init.role,
    budget: substrate.budget,
    rateLimiter: substrate.rateLimiter,
    emit,
    usage: substrate.usage,
  };
  const model = telemetry.traceModel(
    init.model === undefined ? meterModel(noModel, meter) : await loadRunModel(init.model, init.options.prices, meter),
  );
  const toolbox =
    init.role === 'agent' && init.options.tools
      ? await loadToolbox(init.options.tools, init.agentId, protocol.runTools?.(substrate.ledger))
      : undefined;
  // Metering counts every prompt: open the shared token table now (the first thread builds it, the
  // others block until it is ready), as part of start-up rather than inside the first call.
  countTokens('delm');
  join();
  // From here on the supervisor watches this thread's heartbeat (start-up above may block it).
  const stopBeating = substrate.heartbeats.start(init.agentId);
  return {
    ...substrate,
    agentId: init.agentId,
    options: init.options,
    protocol,
    model,
    emit,
    telemetry,
    toolbox,
    close: async (status) => {
      view?.release();
      stopBeating();
      telemetry.close(status);
      // The port's last message says which shared batch the agent's events end at (they may travel on
      // another agent's port); the main thread waits for that batch before the worker counts as ended.
      const drain = leaveEventBatch(eventsPort);
      if (drain) eventsPort.postMessage(drain);
      eventsPort.close();
      // Connections close in the background: the run does not wait for a goodbye to Redis.
      void substrate.detach().catch(() => undefined);
    },
  };
}
