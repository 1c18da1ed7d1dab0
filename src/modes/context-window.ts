/**
 * Context windows of known models, for the baselines' prompts (single pass and orchestrator alike).
 * Override with `contextTokens` (`--context-tokens` on the CLI): a model we do not know, an
 * `openai-compatible:` one included, is assumed to have 128k.
 */

const WINDOWS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^offline$/, 128_000],
  [/^scripted/, 128_000],
  [/gpt-4\.1/, 1_047_576],
  [/gpt-5/, 400_000],
  [/gpt-4o|o[134]-?/, 128_000],
  [/claude-(?:opus|sonnet|haiku)-4|claude-3-[57]/, 200_000],
  [/gemini/, 1_048_576],
];

/** Room a baseline leaves in the window for the model's reply (and the chat format's own tokens). */
export const REPLY_RESERVE_TOKENS = 2_048;

/** The context window of `modelId` in tokens (128k for a model we do not know). */
export function contextWindowOf(modelId: string): number {
  for (const [pattern, tokens] of WINDOWS) if (pattern.test(modelId)) return tokens;
  return 128_000;
}

/** The window a baseline's prompts must fit: `contextTokens` when given, else the model's. */
export function windowFor(contextTokens: number | undefined, modelId: string): number {
  return contextTokens ?? contextWindowOf(modelId);
}
