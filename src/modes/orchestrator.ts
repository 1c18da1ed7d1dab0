/**
 * The central-orchestrator baseline: the classic hub, run fairly on the same model, budgets and
 * parallelism as the swarm. A manager model holds one conversation: the task as the user gave it
 * (with its documents, or only their outline), its plan, and every worker's full report. It plans
 * (unless the workload supplies the sub-tasks, as it does for the swarm), delegates assignments to
 * worker calls in waves of `agents` at a time, reads each wave's full reports, and then delegates
 * more or answers. Every manager turn re-reads the whole conversation — which is the point.
 * Every prompt, the manager's and the workers', is fitted to the model's window as the single pass's
 * is (src/modes/fit-window.ts): documents cut in the middle, the prompt saying how many tokens.
 */
import { randomUUID } from 'node:crypto';
import { labelsMentioned } from '../protocols/kit/prompt-reader.js';
import { answerWithCitations } from '../protocols/kit/entry.js';
import { registerProtocolSkills } from '../protocols/delm/offline/register.js';
import { managerPlanPrompt, managerReviewPrompt, workerPrompt } from '../protocols/kit/prompts/orchestrator.js';
import type { PromptDocument } from '../protocols/kit/prompts/template.js';
import type { OrchestratorPlan, OrchestratorReview } from '../protocols/kit/schemas.js';
import type { ChatMessage } from '../providers/types.js';
import { DelmError } from '../errors.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { StopReason } from '../runtime/run.js';
import { HubContext } from './hub-context.js';
import { REPLY_RESERVE_TOKENS, windowFor } from './context-window.js';
import { DocumentSizes, fitDocuments, fitManagerPrompt } from './fit-window.js';
import { withCutNote } from './truncate.js';
import { countTokens } from '../providers/tokenizer.js';
import { taskChoices, type BaselineOptions } from './options.js';
import { orchestratedResult } from './orchestrated-result.js';
import type { ModeResult } from './result.js';

type Assignment = OrchestratorPlan['assignments'][number];

/** Runs `task` through the orchestrator baseline. Never rejects for a stopped run: the reason is in the result. */
export async function runOrchestrator(
  task: RunTask,
  options: BaselineOptions,
  run: { signal?: AbortSignal; onEvent?: (e: import('../runtime/events.js').SwarmEvent) => void } = {},
): Promise<ModeResult> {
  registerProtocolSkills();
  const hub = await HubContext.create(options.swarm, run.onEvent, run.signal);
  const workers = options.swarm.agents;
  const sources: PromptDocument[] = (task.sources ?? []).map((s) => ({
    label: s.label,
    text: s.text,
    ...(s.title ? { title: s.title } : {}),
  }));
  const byLabel = new Map(sources.map((s) => [s.label, s]));
  const choices = taskChoices(task);
  const manager = hub.model(0, 'manager');
  // The conversation's first turn (the task) is rendered at each call, its documents fitted to what the window leaves.
  const conversation: ChatMessage[] = [];
  const window = windowFor(options.contextTokens, manager.id);
  const limit = window - REPLY_RESERVE_TOKENS;
  const sizes = new DocumentSizes();
  let cutTokens = 0;
  let managerBusyMs = 0;
  let delegated = 0;
  let answer: string | undefined;
  let stopReason: StopReason;
  let error: string | undefined;

  const planInput = {
    question: task.prompt,
    ...(choices ? { choices } : {}),
    sources: sources.map((s) => ({ label: s.label, ...(s.title ? { title: s.title } : {}) })),
    workers,
  };
  const renderPlan = (documents: readonly PromptDocument[], cut: number) =>
    managerPlanPrompt.render({
      ...planInput,
      question: withCutNote(task.prompt, cut, window),
      ...(options.managerView === 'full' ? { documents: [...documents] } : {}),
    });
  const firstTurn = { documents: options.managerView === 'full' ? sources : [], render: renderPlan };
  const managerMessages = (system: string): ChatMessage[] => {
    const fitted = fitManagerPrompt(system, conversation, firstTurn, window, sizes);
    cutTokens = Math.max(cutTokens, fitted.cutTokens);
    return fitted.messages;
  };

  const askManager = async <T>(
    content: string,
    template: { system: string; schema: import('zod').ZodType<T>; schemaName: string },
  ): Promise<T> => {
    conversation.push({ role: 'user', content });
    const t0 = Date.now();
    const reply = await manager.complete({
      system: template.system,
      messages: managerMessages(template.system),
      schema: template.schema,
      schemaName: template.schemaName,
      signal: hub.signal,
      context: { role: 'manager' },
    });
    managerBusyMs += Date.now() - t0;
    if (reply.object === undefined)
      throw new DelmError('MALFORMED_OUTPUT', `the manager returned no ${template.schemaName}`);
    conversation.push({ role: 'assistant', content: JSON.stringify(reply.object) });
    return reply.object;
  };

  const work = async (assignment: Assignment, index: number): Promise<{ worker: string; text: string }> => {
    const documents = assignment.labels.flatMap((l) => (byLabel.has(l) ? [byLabel.get(l)!] : []));
    const model = await hub.toolModel(1 + (index % workers), 'worker');
    const fitted = fitDocuments(
      documents,
      (docs, cut) =>
        workerPrompt.render({
          question: withCutNote(task.prompt, cut, window),
          ...(choices ? { choices } : {}),
          instructions: assignment.instructions,
          documents: [...docs],
        }),
      limit,
      countTokens(workerPrompt.system),
      sizes,
    );
    cutTokens = Math.max(cutTokens, fitted.cutTokens);
    const reply = await model.complete({
      system: workerPrompt.system,
      messages: [{ role: 'user', content: fitted.content }],
      schema: workerPrompt.schema,
      schemaName: workerPrompt.schemaName,
      signal: hub.signal,
      context: { role: 'worker', taskId: index + 1 },
    });
    const report = reply.object;
    const quotes = report?.quotes.map((q) => `[${q.source}] "${q.text}"`).join('\n') ?? '';
    return { worker: `worker-${index + 1}`, text: [report?.report ?? reply.text, quotes].filter(Boolean).join('\n') };
  };

  const runId = randomUUID();
  try {
    let pending: Assignment[];
    if (task.subTasks?.length) {
      // Supplied sub-tasks replace the plan call (the swarm skips its decomposition the same way).
      pending = task.subTasks.map((t) => ({
        instructions: t.payload,
        labels: labelsMentioned(t.payload, [...byLabel.keys()]),
      }));
      conversation.push(
        { role: 'user', content: '' }, // rendered at each call
        { role: 'assistant', content: JSON.stringify({ assignments: pending }) },
      );
    } else {
      pending = (await askManager('', managerPlanPrompt)).assignments; // rendered at each call
    }
    hub.start(runId, pending.length);
    const maxTurns = Math.ceil(pending.length / workers) + options.swarm.maxRounds;
    for (let turn = 1; ; turn++) {
      const wave = pending.splice(0, workers);
      const reports = await Promise.all(wave.map((a, i) => work(a, delegated + i)));
      delegated += wave.length;
      const mayDelegate = turn < maxTurns;
      const review: OrchestratorReview = await askManager(
        managerReviewPrompt.render({ reports, pending, mayDelegate }),
        managerReviewPrompt,
      );
      if (review.decision === 'answer') {
        answer = answerWithCitations(review.answer, review.citations);
        stopReason = 'answered';
        break;
      }
      if (!mayDelegate) throw new DelmError('MALFORMED_OUTPUT', 'the manager kept delegating after its last turn');
      pending = review.assignments;
    }
  } catch (e) {
    stopReason = hub.stopReasonOf(e);
    error = hub.errorTextOf(e);
  }
  return {
    ...(await orchestratedResult(hub, { answer, stopReason, error, managerBusyMs, subTasks: delegated })),
    truncatedTokens: cutTokens,
  };
}
