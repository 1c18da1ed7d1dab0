/**
 * The shape of a task given to `Swarm.run`, checked before the run starts: a JavaScript caller's
 * `subTasks: ['read D1']` (strings where objects belong) would otherwise fail the run deep in the
 * queue with a message about Buffers, and two sources labelled alike would make citations ambiguous.
 * Only the shape; limits are the caller's (the HTTP API has its own) and the protocol's
 * (`SwarmProtocol.checkTask`).
 */
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import type { RunTask } from '../types.js';

/** A zod refinement: every source's label is unique (citations name sources by label). */
export function uniqueLabels(sources: ReadonlyArray<{ label: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  sources.forEach((s, i) => {
    if (seen.has(s.label))
      ctx.addIssue({ code: 'custom', path: [i, 'label'], message: `duplicate label "${s.label}"` });
    seen.add(s.label);
  });
}

// Strict: a misspelt field (`source`, `subtasks`) would otherwise be dropped and the run go on without it.
const RunTaskSchema = z
  .object({
    prompt: z.string().refine((p) => p.trim().length > 0, 'the prompt is empty: say what the agents should do'),
    sources: z
      .array(z.object({ label: z.string().min(1), title: z.string().optional(), text: z.string() }).strict())
      .superRefine(uniqueLabels)
      .optional(),
    subTasks: z.array(z.object({ payload: z.string(), priority: z.number().optional() }).strict()).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Throws InvalidConfigError listing every problem (`subTasks.0: …`) when `task` is not a {@link RunTask}. */
export function checkRunTask(task: unknown): asserts task is RunTask {
  parseConfig(RunTaskSchema, task, 'invalid run task');
}
