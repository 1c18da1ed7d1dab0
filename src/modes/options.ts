/** Options of the baseline modes: the swarm's own options (same model, budgets, parallelism), plus what only a baseline has. */
import { z } from 'zod';
import { DelmError, InvalidConfigError } from '../errors.js';
import { parseConfig } from '../internal/parse.js';
import { ChoicesSchema, type Choices } from '../protocols/kit/prompts/template.js';
import { resolveSwarmOptions, type ResolvedSwarmOptions, type SwarmOptions } from '../runtime/options.js';
import type { RunTask } from '../protocols/kit/protocol.js';

/** What only the baselines take. */
export const BaselineExtrasSchema = z
  .object({
    /**
     * What the orchestrator's manager holds in its conversation: `full` (the task as the user gave
     * it, documents included: the classic hub) or `outline` (only the question and the sources' labels).
     */
    managerView: z.enum(['full', 'outline']).default('full'),
    /**
     * The model's context window in tokens, which the single pass's prompt and every orchestrator
     * prompt (manager and workers) are fitted to: documents cut in the middle, the prompt saying so.
     * Default by model (src/modes/context-window.ts; 128k for one it does not know).
     */
    contextTokens: z.number().int().min(1_000).optional(),
  })
  .strict();

/** Options a runner of any mode takes. */
export type RunnerOptions = SwarmOptions & z.input<typeof BaselineExtrasSchema>;

/** Resolved baseline options. */
export interface BaselineOptions extends z.output<typeof BaselineExtrasSchema> {
  swarm: ResolvedSwarmOptions;
}

/** Splits runner options into the swarm's and the baselines' own, validating both. */
export function resolveRunnerOptions(options: RunnerOptions = {}): BaselineOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new InvalidConfigError('invalid runner options', ['(root): expected an object']);
  const { managerView, contextTokens, ...swarm } = options;
  const extras = parseConfig(BaselineExtrasSchema, { managerView, contextTokens }, 'invalid runner options');
  return { ...extras, swarm: resolveSwarmOptions(swarm) };
}

/** The task's multiple-choice options (`meta.choices`), validated. */
export function taskChoices(task: RunTask): Choices | undefined {
  if (task.meta?.choices === undefined) return undefined;
  const parsed = ChoicesSchema.safeParse(task.meta.choices);
  if (!parsed.success)
    throw new DelmError('INVALID_ARGUMENT', `task meta.choices: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
