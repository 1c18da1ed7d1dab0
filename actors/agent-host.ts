/**
 * Worker side of the agents one piscina task hosts: attaches the run's shared memory once, provides
 * each agent machine's actors (queue, ledger, proposal channel, model through the protocol) and runs
 * every machine to its end. The main thread stops agents, hosts more and closes the task with
 * messages on the task's events port (worker-start.ts); each agent's end is a message there too,
 * after its last events.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import { RELEASED } from '../machines/types.js';
import { agentMachine, fromTaskLoop } from '../machines/agent.js';
import { finalizerMachine } from '../machines/finalizer.js';
import type { LoopPhase, TaskLoopDeps } from '../machines/task-loop.js';
import type {
  AgentEffects,
  AgentOutput,
  ClaimResult,
  ClaimedTask,
  DecideInput,
  Decision,
  Digest,
  Election,
  EnqueueTasksInput,
  PublishAnswerInput,
  ReadLedgerInput,
  TaskSpec,
} from '../machines/types.js';
import { isDelmError, LeaseLostError, type DelmError } from '../src/errors.js';
import type { Lease } from '../src/queue/types.js';
import type { AgentIO, ProposalEnvelope } from '../src/protocols/kit/protocol.js';
import { isCloseMessage, isHostMessage, isStopMessage, type AgentEnded } from '../src/runtime/worker-start.js';
import { attachAgent, attachTask, type AttachedRun, type AttachedTask, type WorkerInit } from './attach-run.js';
import { AgentStop, stateName, sendProposal, turnIfBusy } from './host-utils.js';
import { decisionSpan, stepSpan, unfoldSpan } from '../src/telemetry/host-spans.js';
import { evidenceFor } from '../src/tools/evidence.js';
import { withToolLoop } from '../src/tools/loop.js';
import type { ToolRecord } from '../src/tools/toolbox.js';
import { toolHooks } from './tool-hooks.js';
import { extend } from '../src/internal/extend.js';

/** What one agent provides its machine's actors with, kept by the agent's actor system. */
interface HostedAgent {
  loop: TaskLoopDeps;
  elect(signal: AbortSignal): Promise<Election>;
  finalizer: {
    settle(signal: AbortSignal): Promise<void>;
    readLedger(input: ReadLedgerInput, signal: AbortSignal): Promise<Digest>;
    decide(input: DecideInput, signal: AbortSignal): Promise<Decision>;
    enqueueTasks(input: EnqueueTasksInput): Promise<number[]>;
    publishAnswer(input: PublishAnswerInput, signal: AbortSignal): Promise<undefined>;
  };
}

/** The agents this thread hosts, by the actor system of each agent's machine (shared by its children). */
const hosted = new WeakMap<object, HostedAgent>();

function hostedBy(system: object): HostedAgent {
  const agent = hosted.get(system);
  if (!agent) throw new Error('agent-host: an actor ran outside a hosted agent');
  return agent;
}

let providedMachine: ReturnType<typeof provideMachine> | undefined;

/**
 * The agent machine with the host's actors, provided once per thread: providing rebuilds the whole
 * state tree (and its memoised transitions), which cost ~1 ms and a heap of garbage per agent when
 * a thread starts hundreds of agents every run. Each actor finds its agent through its system.
 */
const threadMachine = () => (providedMachine ??= provideMachine());

function provideMachine() {
  const finalizer = finalizerMachine.provide({
    actors: {
      settle: fromPromise(({ system, signal }) => hostedBy(system).finalizer.settle(signal)),
      readLedger: fromPromise(({ system, input, signal }) => hostedBy(system).finalizer.readLedger(input, signal)),
      decide: fromPromise(({ system, input, signal }) => hostedBy(system).finalizer.decide(input, signal)),
      enqueueTasks: fromPromise(({ system, input }) => hostedBy(system).finalizer.enqueueTasks(input)),
      publishAnswer: fromPromise(({ system, input, signal }) =>
        hostedBy(system).finalizer.publishAnswer(input, signal),
      ),
    },
  });
  return agentMachine.provide({
    actors: {
      taskLoop: fromTaskLoop((system) => hostedBy(system).loop),
      electFinalizer: fromPromise(({ system, signal }) => hostedBy(system).elect(signal)),
      finalizer,
    },
  });
}

/** The thread's cores, asked once: `availableParallelism` is a system call. */
let cores: number | undefined;

/** How long a claim spins before it sleeps: spinning only pays when every agent can have a core to spin on. */
const spinMicrosFor = (agents: number): number => (agents + 1 <= (cores ??= availableParallelism()) ? 50 : 0);

/**
 * Hosts agents `agentIds` of a run, and those the main thread adds with host messages, until the main
 * thread closes the task (once every agent it placed here has ended). Each agent's end goes to the
 * main thread as an {@link AgentEnded} message after its last events.
 */
export async function runAgentGroup(
  init: WorkerInit,
  agentIds: readonly number[],
  eventsPort: MessagePort,
  journal?: SharedArrayBuffer,
): Promise<void> {
  const task = await attachTask(init, eventsPort, journal);
  const stoppers = new Map<number, AgentStop>();
  let closeTask!: () => void;
  const closed = new Promise<void>((resolve) => (closeTask = resolve));
  const start = (agentId: number, stopper: AgentStop): void =>
    void runAgent(task, agentId, stopper).then(
      (output) => end({ ended: agentId, output }),
      (error: unknown) => end({ ended: agentId, error: error instanceof Error ? error.message : String(error) }),
    );
  // Each agent starts in an event-loop turn of its own, so it claims and calls its model before the
  // next one starts: started together, 500 agents' first steps interleave and none claims until all
  // have started (~30–45 ms on a 2-core VM). Its stopper is there at once: a stop meanwhile is kept.
  const host = (agentId: number) => {
    const stopper = new AgentStop();
    stoppers.set(agentId, stopper);
    setImmediate(start, agentId, stopper);
  };
  const end = (ended: AgentEnded) => {
    stoppers.delete(ended.ended);
    // A released agent's end is not urgent (hundreds end together at a round's end); any other is.
    task.endAgent(ended, ended.output?.status !== RELEASED);
  };
  // Messages waited in the port while the run was attached: a stop or a host message is never lost.
  const onMessage = (message: unknown) => {
    if (isStopMessage(message)) {
      for (const [agentId, stopper] of stoppers)
        if (message.agentId === undefined || message.agentId === agentId) stopper.stop(message.stop ?? undefined);
    } else if (isHostMessage(message)) host(message.host);
    else if (isCloseMessage(message)) closeTask();
  };
  eventsPort.on('message', onMessage);
  try {
    for (const agentId of agentIds) host(agentId);
    await closed;
  } finally {
    eventsPort.off('message', onMessage);
    task.close();
  }
}

/**
 * Runs agent `agentId` of `task` to completion; resolves with the machine's output. `stop` (the main
 * thread's stop message) stops it.
 */
async function runAgent(task: AttachedTask, agentId: number, stop: AgentStop): Promise<AgentOutput> {
  let run: AttachedRun;
  try {
    run = await attachAgent(task, agentId);
  } catch (error) {
    if (isConfigurationError(error)) return failedToStart(error);
    throw error; // anything else may pass: the agent crashed, and one is started in its place
  }
  const { emit, queue, ledger, control, protocol, options, telemetry } = run;
  // Tool results the host recorded, by task: a proposal carries those it cites, so only they can be quoted.
  const toolRecords = new Map<number, ToolRecord[]>();
  const model = run.toolbox ? withToolLoop(run.model, run.toolbox, { hooks: toolHooks(run, toolRecords) }) : run.model;
  const spinMicros = spinMicrosFor(options.agents);
  // With nothing to claim while others hold the round's last tasks, an agent goes (see `mayRelease`).
  const releasable = mayRelease(task, agentId);
  const leases = new Map<number, Lease>();
  // Every signal an effect gets aborts when the agent stops: a stop sends STOP to the machine, which
  // stops the actor running the effect (the task loop, the election, the finalizer's), and XState
  // aborts that actor's signal. No signal is linked to the stop signal (AbortSignal.any costs ~20 µs
  // on Node 20, once per agent and run). The task loop hands every effect the same signal, so one
  // AgentIO serves until the signal changes.
  let lastIo: AgentIO | undefined;
  const io = (signal: AbortSignal): AgentIO =>
    lastIo?.signal === signal ? lastIo : (lastIo = { agentId, ledger, model, signal });
  const leaseOf = (task: ClaimedTask): Lease => {
    const lease = leases.get(task.taskId);
    if (!lease) throw new LeaseLostError(task.taskId, 'this agent holds no lease on it');
    return lease;
  };
  const enqueue = async (tasks: readonly TaskSpec[], parentTaskId: number): Promise<number[]> => {
    const ids: number[] = [];
    for (const t of tasks)
      ids.push(
        await queue.enqueue({
          payload: t.payload,
          ...(t.priority !== undefined ? { priority: t.priority } : {}),
          parentId: parentTaskId,
        }),
      );
    emit({ type: 'task.enqueued', agentId, taskIds: ids, parentTaskId });
    return ids;
  };

  const finalizer: HostedAgent['finalizer'] = {
    settle: (signal) => control.settled(signal),
    readLedger: (input, signal) => protocol.finalDigest(io(signal), input.round),
    async decide(input, signal) {
      const decision = await decisionSpan(telemetry.scope, input, () => protocol.decide(io(signal), input));
      emit({
        type: 'final.decision',
        agentId,
        round: input.round,
        decision: decision.type,
        ...(decision.type === 'enqueue' ? { tasks: decision.tasks.length } : {}),
      });
      return decision;
    },
    async enqueueTasks(input) {
      const ids = await enqueue(input.tasks, input.parentTaskId);
      await control.resume();
      return ids;
    },
    async publishAnswer(input, signal) {
      await sendProposal(run, { agentId, taskId: -1, body: { answer: input.answer } }, signal);
      await control.settled(signal);
      await control.finish();
      return undefined;
    },
  };

  /**
   * The claim in flight, if any. An agent stopped while its claim is on the wire (Redis leased it a
   * task, the reply has not come) waits for it before ending, so the lease it brings is given back.
   */
  let claiming: Promise<ClaimResult> | undefined;
  const claimTask = async (signal: AbortSignal): Promise<ClaimResult> => {
    const turn = turnIfBusy();
    if (turn) await turn;
    const lease = await queue.claim(agentId, {
      timeoutMs: releasable ? 0 : 2 ** 31 - 1,
      leaseMs: options.leaseMs,
      spinMicros,
      signal,
    });
    if (!lease) return releasable && !signal.aborted && !(await queue.isDrained()) ? RELEASED : null;
    leases.set(lease.taskId, lease);
    toolRecords.delete(lease.taskId); // an earlier attempt's results are not this attempt's evidence
    emit({
      type: 'task.claimed',
      agentId,
      taskId: lease.taskId,
      attempt: lease.attempt,
      leaseMs: Math.max(0, lease.deadline - Date.now()),
      generation: lease.generation,
    });
    return { taskId: lease.taskId, attempt: lease.attempt, payload: lease.payload };
  };

  // The per-task effects: plain functions the task loop runs. Their signal already aborts when the
  // agent stops, so none of them links signals.
  const effects: AgentEffects = {
    claimTask: (_input, signal) => (claiming = claimTask(signal)),
    readDigest: (input, signal) => protocol.readDigest(io(signal), input.task),
    callModel: (input, signal) => stepSpan(telemetry.scope, input, () => protocol.step(io(signal), input)),
    unfold: (input, signal) =>
      unfoldSpan(telemetry.scope, input.task.taskId, input.labels, () =>
        protocol.unfold(io(signal), input.task, input.labels),
      ),
    async propose(input, signal) {
      const records = toolRecords.get(input.task.taskId);
      const taskId = input.task.taskId;
      for (const body of input.proposals) {
        const toolResults = records?.length ? evidenceFor(body, records) : undefined;
        const envelope: ProposalEnvelope = toolResults?.length
          ? { agentId, taskId, body, toolResults }
          : { agentId, taskId, body };
        // The evidence checks run here, in the agent's thread; the single writer re-checks them cheaply.
        const precheck = protocol.precheck?.(io(signal), envelope);
        await sendProposal(run, precheck === undefined ? envelope : extend(envelope, { precheck }), signal);
        emit({ type: 'proposal', agentId, taskId });
      }
      return undefined;
    },
    enqueueTasks: (input) => enqueue(input.tasks, input.parentTaskId),
    async completeTask(input) {
      await queue.complete(leaseOf(input.task), input.result ?? '');
      leases.delete(input.task.taskId);
      toolRecords.delete(input.task.taskId);
      emit({ type: 'task.completed', agentId, taskId: input.task.taskId });
      return undefined;
    },
    async failTask(input) {
      const lease = leaseOf(input.task);
      leases.delete(input.task.taskId);
      toolRecords.delete(input.task.taskId);
      // A transient failure goes back to the queue while the task has attempts left (its next claim shows the retry).
      await queue.fail(lease, input.reason, { retry: input.transient });
      if ((await queue.get(input.task.taskId)).state === 'failed')
        emit({
          type: 'task.failed',
          agentId,
          taskId: input.task.taskId,
          reason: input.reason,
          ...(input.code !== undefined ? { code: input.code } : {}),
        });
      return undefined;
    },
    async extendLease(input) {
      const lease = await queue.extend(leaseOf(input.task), options.leaseMs);
      leases.set(input.task.taskId, lease);
      emit({
        type: 'task.extended',
        agentId,
        taskId: input.task.taskId,
        leaseMs: Math.max(0, lease.deadline - Date.now()),
      });
      return undefined;
    },
  };

  const actor = createActor(threadMachine(), {
    input: {
      agentId,
      config: {
        baseDelayMs: options.retry.baseDelayMs,
        maxDelayMs: options.retry.maxDelayMs,
        maxRetries: options.retry.maxRetries,
        leaseExtendMs: options.leaseExtendMs ?? Math.max(1, Math.floor(options.leaseMs / 3)),
        maxRounds: options.maxRounds,
      },
    },
  });
  let last = '';
  const report = (state: string) => {
    if (state !== last) run.emitState(agentId, (last = state));
  };
  hosted.set(actor.system, {
    // The loop's phases are the agent's states while it works (the machine itself stays in `working`).
    loop: { effects, onPhase: (phase: LoopPhase) => report(phase) },
    elect: (signal) => control.elect(agentId, signal),
    finalizer,
  });
  // The finalizer's own states (`finalizing.settling`, `finalizing.deciding`, …) go on the timeline too,
  // so the time the final agent waits for the verifier is told apart from its reading and deciding.
  let finalizerSeen: unknown;
  actor.subscribe((snapshot) => {
    const state = stateName(snapshot.value);
    if (state === 'working') return; // the loop reports its phases
    const child = state === 'finalizing' ? snapshot.children.finalizer : undefined;
    if (!child) return report(state);
    if (child === finalizerSeen) return;
    finalizerSeen = child;
    const follow = (s: { status: string }) => {
      if (s.status === 'active' && 'value' in s) report(`finalizing.${stateName(s.value)}`);
    };
    child.subscribe(follow);
    follow(child.getSnapshot());
  });

  const onStop = (reason: string | undefined) => actor.send({ type: 'STOP', ...(reason ? { reason } : {}) });
  let output: AgentOutput;
  try {
    output = await finish(actor, stop, onStop);
  } finally {
    stop.unlisten();
  }
  // A stopped agent may still hold a lease: give the task back now rather than after the lease expires.
  await claiming?.catch(() => undefined);
  for (const lease of leases.values()) {
    try {
      await queue.release(lease);
    } catch {
      /* it expired or finished meanwhile */
    }
  }
  run.close(output.status);
  return output;
}

/** Codes of the errors that say a run's configuration is wrong: every agent started would meet them again. */
const CONFIGURATION_ERRORS: ReadonlySet<string> = new Set(['INVALID_CONFIG', 'MISSING_API_KEY', 'MCP_SERVER_FAILED']);
const isConfigurationError = (error: unknown): error is DelmError =>
  isDelmError(error) && CONFIGURATION_ERRORS.has(error.code);

/**
 * The output of an agent that could not start because of the run's configuration: a tool module that
 * does not load, a workspace that is no folder, an MCP server that will not start. Every agent started
 * in its place would meet it again, so the agent fails (and its run with it, saying why) rather than crash.
 */
function failedToStart(error: DelmError): AgentOutput {
  return {
    status: 'failed',
    reason: `could not start: ${error.message}`,
    errorCode: error.code,
    answer: undefined,
    heldTaskId: undefined,
    tasksCompleted: 0,
    tasksFailed: 0,
    retries: 0,
  };
}

/**
 * Whether agent `agentId` is let go when it finds nothing to claim while other agents still hold tasks
 * (the end of a round, or a lull before follow-ups): its run starts it again when work is enqueued
 * (`task.enqueued`), and the agent that completes the round's last task sees the drain and decides.
 * Only in shared memory, where the run's one process started every agent; on Redis, another
 * process's agent may enqueue the work. Not an agent started in a crashed one's place (ids above
 * `agents`): a lease of the crashed agent may still have to expire, and someone must be waiting to
 * claim its task then.
 */
function mayRelease(task: AttachedTask, agentId: number): boolean {
  return task.init.handles.backend.kind !== 'redis' && agentId <= task.options.agents;
}

/** Starts `actor` and resolves with its output; a stop before or while it runs is sent to it by `onStop`. */
function finish(
  actor: AnyActorRef,
  stop: AgentStop,
  onStop: (reason: string | undefined) => void,
): Promise<AgentOutput> {
  return new Promise((resolve, reject) => {
    actor.subscribe({
      complete: () => resolve((actor.getSnapshot() as { output: AgentOutput }).output),
      error: reject,
    });
    actor.start();
    stop.listen(onStop);
  });
}
