/** An agent machine wired with scripted actors: sensible defaults, any of them overridable. */
import { agentMachine } from '../../machines/agent.js';
import { fromEffects } from '../../machines/effects.js';
import { finalizerMachine } from '../../machines/finalizer.js';
import type {
  AgentConfig,
  CallModelInput,
  ClaimTaskInput,
  ClaimedTask,
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
  claimTask?: Step<ClaimedTask | null, ClaimTaskInput>[];
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

/** Build the scripted actors and start an agent with them on simulated time (it is sent START). */
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
  const machine = agentMachine.provide({
    actors: {
      effects: fromEffects({
        claimTask: s.claimTask.fn,
        readDigest: s.readDigest.fn,
        callModel: s.callModel.fn,
        unfold: s.unfold.fn,
        propose: s.propose.fn,
        enqueueTasks: s.enqueueTasks.fn,
        completeTask: s.completeTask.fn,
        failTask: s.failTask.fn,
        extendLease: s.extendLease.fn,
      }),
      electFinalizer: s.electFinalizer.logic,
      finalizer,
    },
  });
  const run = start(machine, { agentId: 7, config: { baseDelayMs: 5, leaseExtendMs: 10_000, ...config } }, clock);
  run.actor.send({ type: 'START' });
  return { ...run, s };
}
