/**
 * What every worker host does first: attach the run's shared memory and load its protocol, once per
 * piscina task (`attachTask`), then each agent's model, tools, telemetry and heartbeat (`attachAgent`).
 * A task hosting hundreds of agents attaches the run once, not once per agent.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import type { AgentEnded, SpanBatchOf, ThreadAnnouncement } from '../src/runtime/worker-start.js';
import { InvalidConfigError } from '../src/errors.js';
import { countTokens } from '../src/providers/tokenizer.js';
import { meterModel, meteredLimits } from '../src/runtime/meter.js';
import { loadRunModel } from '../src/runtime/run-model.js';
import type { ModelRef, ResolvedSwarmOptions } from '../src/runtime/options.js';
import type { SwarmProtocol } from '../src/protocols/kit/protocol.js';
import { loadProtocol, type ProtocolRef } from '../src/protocols/registry.js';
import type { WorkerEvent } from '../src/runtime/events.js';
import { EventBatcher } from './thread-events.js';
import { CompletionJournal } from '../src/runtime/completion-journal.js';
import { attachSharedSubstrate, type AttachedSubstrate, type RunHandles } from '../src/runtime/substrate.js';
import type { LanguageModel } from '../src/providers/types.js';
import type { Toolbox } from '../src/tools/toolbox.js';
import type { WorkerTraceInit } from '../src/telemetry/span-wire.js';
import { attachTelemetry, type WorkerTelemetry } from '../src/telemetry/worker-telemetry.js';
import { monotonicMs } from '../src/internal/monotonic.js';
import { extend } from '../src/internal/extend.js';

/** The piscina task that starts a worker host. Handles and settings only: never task data. */
export interface WorkerInit {
  role: 'agent' | 'verifier';
  handles: RunHandles;
  options: ResolvedSwarmOptions;
  /** The protocol: a built-in by name, or a module URL and export of your own. */
  protocol: ProtocolRef;
  /** The model this worker calls (the judge model for the verifier, if any). */
  model: ModelRef | undefined;
  /** The run span's context when the run is traced. */
  telemetry?: WorkerTraceInit | undefined;
}

/** A task's view of its run, shared by the agents it hosts. */
export interface AttachedTask extends AttachedSubstrate {
  init: WorkerInit;
  options: ResolvedSwarmOptions;
  protocol: SwarmProtocol;
  emit: (event: WorkerEvent) => void;
  /** Emits agent `agentId`'s change to `state` (an `agent.state` event, packed on its way). */
  emitState: (agentId: number, state: string) => void;
  /** Tells the main thread an agent ended, after its last events (see {@link EventBatcher.end}). */
  endAgent: (ended: AgentEnded, urgent: boolean) => void;
  port: MessagePort;
  /** Posts the task's last events, closes its port and, in the background, its connections. */
  close: () => void;
}

/** One agent's (or the verifier's) view of its run. */
export interface AttachedRun extends AttachedSubstrate {
  agentId: number;
  options: ResolvedSwarmOptions;
  protocol: SwarmProtocol;
  model: LanguageModel;
  emit: (event: WorkerEvent) => void;
  emitState: (agentId: number, state: string) => void;
  telemetry: WorkerTelemetry;
  /** The agent's tools (agents of a run with `tools` only). */
  toolbox: Toolbox | undefined;
  /** Ends the agent's span (with its final status) and its heartbeat. */
  close: (status?: string) => void;
}

const noModel: LanguageModel = {
  id: 'none',
  complete: () =>
    Promise.reject(
      new InvalidConfigError('no model is configured for this worker (the verifier has none unless judgeModel is set)'),
    ),
};

/**
 * Attaches the run for a task: its substrate and protocol. Events go to the main thread over `port`;
 * completions are journaled in `journal` too when one is given (see completion-journal.ts).
 */
export async function attachTask(
  init: WorkerInit,
  port: MessagePort,
  journal?: SharedArrayBuffer,
): Promise<AttachedTask> {
  // First, the thread this task runs on: the supervisor kills threads, not agents.
  port.postMessage({ threadId } satisfies ThreadAnnouncement);
  const backend = init.handles.backend;
  const substrate =
    backend.kind === 'redis'
      ? // Loaded only for a run on Redis: the shared-memory path never pays for the Redis client's import.
        await (
          await import('../src/runtime/redis-substrate.js')
        ).attachRedisSubstrate(init.handles, backend, init.options, init.role)
      : attachSharedSubstrate(init.handles, backend, init.role, hostsManyAgents(init.options) ? 'end-of-turn' : 'now');
  const events = new EventBatcher(port, journal && new CompletionJournal(journal));
  // Stamped here, on the clock every thread shares, so a state's length is true however late its batch arrives.
  const emit = (event: WorkerEvent) => events.push(event, monotonicMs());
  const protocol = await loadProtocol(init.protocol);
  // Metering counts every prompt: open the shared token table now (the first thread builds it, the
  // others block until it is ready), as part of start-up rather than inside the first call.
  countTokens('delm');
  return extend(substrate, {
    init,
    options: init.options,
    protocol,
    emit,
    emitState: (agentId: number, state: string) => events.state(agentId, state, monotonicMs()),
    endAgent: (ended: AgentEnded, urgent: boolean) => events.end(ended, urgent),
    port,
    close: () => {
      events.flush();
      port.close();
      // Connections close in the background: the run does not wait for a goodbye to Redis.
      void substrate.detach().catch(() => undefined);
    },
  });
}

/**
 * Whether an agent thread hosts many agents (`threads` below `agents`): its agents' proposals then wake
 * the verifier once per turn of the thread's event loop, for the turn's whole burst.
 */
const hostsManyAgents = (options: ResolvedSwarmOptions): boolean =>
  options.threads !== undefined && options.threads < options.agents;

/** Attaches agent `agentId` (0: the verifier) of `task`: its metered model, tools, telemetry and heartbeat. */
export async function attachAgent(task: AttachedTask, agentId: number): Promise<AttachedRun> {
  const { init, emit } = task;
  // A call is reserved, rate limited and its prompt counted only against limits the run has.
  const limits = meteredLimits(init.options);
  const meter = {
    agentId,
    role: init.role,
    budget: limits.budget ? task.budget : undefined,
    rateLimiter: limits.rate ? task.rateLimiter : undefined,
    emit,
    usage: task.usage,
    countPrompt: limits.prompt,
  };
  const metered =
    init.model === undefined ? meterModel(noModel, meter) : await loadRunModel(init.model, init.options.prices, meter);
  const toolbox =
    init.role === 'agent' && init.options.tools
      ? // Loaded only for a run with tools: the built-in tools' file search is not every thread's import.
        await (
          await import('../src/tools/loader.js')
        ).loadToolbox(init.options.tools, agentId, task.protocol.runTools?.(task.ledger))
      : undefined;
  // From here on the supervisor watches this agent's heartbeat (start-up above may block the thread).
  const stopBeating = task.heartbeats.start(agentId);
  // Spans only after the first beat: a run that stops waiting for an agent still starting (its
  // heartbeat at 0) records it as not started and drops what it ships, so it must ship nothing before.
  const telemetry = attachTelemetry(init.telemetry, init.role, agentId, (batch) =>
    task.port.postMessage(init.role === 'agent' ? ({ spansOf: agentId, batch } satisfies SpanBatchOf) : batch),
  );
  const model = telemetry.traceModel(metered);
  const { init: _init, endAgent: _end, port: _port, close: _close, ...run } = task;
  return extend(run, {
    agentId,
    model,
    telemetry,
    toolbox,
    close: (status?: string) => {
      stopBeating();
      telemetry.close(status);
    },
  });
}
