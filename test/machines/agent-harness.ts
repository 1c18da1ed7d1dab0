/** An agent machine wired with scripted actors: sensible defaults, any of them overridable. */
import { agentMachine, fromTaskLoop } from '../../machines/agent.js';
import type { LoopPhase } from '../../machines/task-loop.js';
import { finalizerMachine } from '../../machines/finalizer.js';
import type {
  AgentConfig,
  CallModelInput,
  ClaimTaskInput,
  ClaimedTask,
  ClaimResult,
  CompleteTaskInput,
  Decision,
  DecideInput,
  Election,
  ElectFinalizerInput,
  EnqueueTasksInput,
  FailTaskInput,
  ProposeInput,
  PublishAnswerInput,
  ReadLedgerInput,
  StepResult,
  TaskActorInput,
  UnfoldInput,
  UnfoldedDetail,
} from '../../machines/types.js';
import { TestClock, scripted, start } from './scripted.js';
import type { Step } from './scripted.js';

/** A claimed task with id `n`. */
export const task = (n: number, attempt = 1): ClaimedTask => ({ taskId: n, attempt, payload: `task ${n}` });

/** Scripts for every agent actor; unspecified ones use the defaults below. */
export interface AgentScripts {
  claimTask?: Step<ClaimResult, ClaimTaskInput>[];
  readDigest?: Step<unknown, TaskActorInput>[];
  callModel?: Step<StepResult, CallModelInput>[];
  unfold?: Step<readonly UnfoldedDetail[], UnfoldInput>[];
  propose?: Step<unknown, ProposeInput>[];
  enqueueTasks?: Step<readonly number[], EnqueueTasksInput>[];
  completeTask?: Step<unknown, CompleteTaskInput>[];
  failTask?: Step<unknown, FailTaskInput>[];
  extendLease?: Step<unknown, TaskActorInput>[];
  electFinalizer?: Step<Election, ElectFinalizerInput>[];
  readLedger?: Step<unknown, ReadLedgerInput>[];
  decide?: Step<Decision, DecideInput>[];
  publishAnswer?: Step<unknown, PublishAnswerInput>[];
}

/** Build the scripted actors and start an agent with them on simulated time. */
export function runAgent(
  scripts: AgentScripts,
  config: Partial<AgentConfig> = {},
  budgetAllows: () => boolean = () => true,
) {
  const clock = new TestClock();
  const s = {
    claimTask: scripted(scripts.claimTask ?? [{ ok: task(1) }, { ok: null }], clock),
    readDigest: scripted(scripts.readDigest ?? [{ ok: 'digest' }], clock),
    callModel: scripted(scripts.callModel ?? [{ ok: { type: 'done', result: 'ok' } }], clock),
    unfold: scripted(
      scripts.unfold ?? [
        { run: (i: UnfoldInput) => i.labels.map((label) => ({ label, detail: `detail of ${label}` })) },
      ],
      clock,
    ),
    propose: scripted(scripts.propose ?? [{ ok: true }], clock),
    enqueueTasks: scripted(
      scripts.enqueueTasks ?? [{ run: (i: EnqueueTasksInput) => i.tasks.map((_, k) => 100 + k) }],
      clock,
    ),
    completeTask: scripted(scripts.completeTask ?? [{ ok: undefined }], clock),
    failTask: scripted(scripts.failTask ?? [{ ok: undefined }], clock),
    extendLease: scripted(scripts.extendLease ?? [{ ok: undefined }], clock),
    electFinalizer: scripted(scripts.electFinalizer ?? [{ ok: { role: 'exit' } }], clock),
    readLedger: scripted(scripts.readLedger ?? [{ ok: 'ledger' }], clock),
    decide: scripted(scripts.decide ?? [{ ok: { type: 'answer', answer: '42' } }], clock),
    publishAnswer: scripted(scripts.publishAnswer ?? [{ ok: undefined }], clock),
  };
  const finalizer = finalizerMachine.provide({
    actors: {
      readLedger: s.readLedger.logic,
      decide: s.decide.logic,
      enqueueTasks: s.enqueueTasks.logic,
      publishAnswer: s.publishAnswer.logic,
    },
    guards: { budgetAllows },
  });
  // The task loop's phases go into the same list as the machine's states, as the host reports them
  // (the lease region left out, as `start` leaves it out of a state value: `thinking.calling`).
  const states: string[] = [];
  const onPhase = (phase: LoopPhase) => {
    phases.push(phase);
    const name = shortPhase(phase);
    if (states.at(-1) !== name) states.push(name);
  };
  const phases: LoopPhase[] = [];
  const machine = agentMachine.provide({
    actors: {
      taskLoop: fromTaskLoop({
        effects: {
          claimTask: s.claimTask.fn,
          readDigest: s.readDigest.fn,
          callModel: s.callModel.fn,
          unfold: s.unfold.fn,
          propose: s.propose.fn,
          enqueueTasks: s.enqueueTasks.fn,
          completeTask: s.completeTask.fn,
          failTask: s.failTask.fn,
          extendLease: s.extendLease.fn,
        },
        clock,
        onPhase,
      }),
      electFinalizer: s.electFinalizer.logic,
      finalizer,
    },
  });
  const run = start(
    machine,
    { agentId: 7, config: { baseDelayMs: 5, leaseExtendMs: 10_000, ...config } },
    clock,
    undefined,
    ['working'],
    states,
  );
  phaseRuns.push(phases);
  return { ...run, s, phases };
}

/** `thinking.model.calling|lease.holding` → `thinking.calling`; other phases as they are. */
export const shortPhase = (phase: string): string =>
  phase.replace(/\|lease\.\w+$/, '').replace(/^thinking\.model\./, 'thinking.');

/** The phases of every agent started with {@link runAgent} in this test file, one list per agent. */
export const phaseRuns: LoopPhase[][] = [];
