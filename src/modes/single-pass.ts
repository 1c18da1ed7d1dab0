/**
 * The single-pass baseline: one model call over the whole input, cut in the middle to the model's
 * window (less the reply's room) when it does not fit, and saying so in the prompt and the result.
 */
import { randomUUID } from 'node:crypto';
import { answerWithCitations } from '../protocols/kit/entry.js';
import { registerProtocolSkills } from '../protocols/delm/offline/register.js';
import { singlePassPrompt } from '../protocols/kit/prompts/single-pass.js';
import type { SwarmEvent } from '../runtime/events.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { StopReason } from '../runtime/run.js';
import { REPLY_RESERVE_TOKENS, windowFor } from './context-window.js';
import { HubContext } from './hub-context.js';
import { taskChoices, type BaselineOptions } from './options.js';
import { sumUsage, type ModeResult } from './result.js';
import { withCutNote } from './truncate.js';
import { fitDocuments } from './fit-window.js';
import { countTokens } from '../providers/tokenizer.js';

/** Runs `task` as one model call. Never rejects for a stopped run: the reason is in the result. */
export async function runSinglePass(
  task: RunTask,
  options: BaselineOptions,
  run: { signal?: AbortSignal; onEvent?: (e: SwarmEvent) => void } = {},
): Promise<ModeResult> {
  registerProtocolSkills();
  const choices = taskChoices(task);
  const hub = await HubContext.create(options.swarm, run.onEvent, run.signal);
  const model = hub.model(0, 'single');
  const window = windowFor(options.contextTokens, model.id);
  const sources = (task.sources ?? []).map((s) => ({
    label: s.label,
    text: s.text,
    ...(s.title ? { title: s.title } : {}),
  }));
  // The whole prompt, system prompt and template included, fits by the orchestrator's rule (fit-window.ts).
  const { content, cutTokens } = fitDocuments(
    sources,
    (documents, cut) =>
      singlePassPrompt.render({
        question: withCutNote(task.prompt, cut, window),
        ...(choices ? { choices } : {}),
        documents: [...documents],
      }),
    window - REPLY_RESERVE_TOKENS,
    countTokens(singlePassPrompt.system),
  );
  hub.start(randomUUID(), 1);
  let answer: string | undefined;
  let stopReason: StopReason = 'no-answer';
  let error: string | undefined;
  try {
    const reply = await model.complete({
      system: singlePassPrompt.system,
      messages: [{ role: 'user', content }],
      schema: singlePassPrompt.schema,
      schemaName: singlePassPrompt.schemaName,
      signal: hub.signal,
      context: { role: 'single' },
    });
    if (reply.object) {
      answer = answerWithCitations(reply.object.answer, reply.object.citations);
      stopReason = 'answered';
    }
  } catch (e) {
    stopReason = hub.stopReasonOf(e);
    error = hub.errorTextOf(e);
  }
  await hub.finish(stopReason);
  return {
    mode: 'single',
    answer,
    stopReason,
    error,
    ...sumUsage(hub.calls),
    wallTimeMs: hub.now(),
    waitingShare: 0,
    subTasks: 1,
    calls: hub.calls,
    truncatedTokens: cutTokens,
  };
}
