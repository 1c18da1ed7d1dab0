/** Context windows of known models, for the single-pass baseline's truncation. Override with `contextTokens`. */

const WINDOWS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^offline$/, 128_000],
  [/^scripted/, 128_000],
  [/gpt-4\.1/, 1_047_576],
  [/gpt-5/, 400_000],
  [/gpt-4o|o[134]-?/, 128_000],
  [/claude-(?:opus|sonnet|haiku)-4|claude-3-[57]/, 200_000],
  [/gemini/, 1_048_576],
];

/** The context window of `modelId` in tokens (128k for a model we do not know). */
export function contextWindowOf(modelId: string): number {
  for (const [pattern, tokens] of WINDOWS) if (pattern.test(modelId)) return tokens;
  return 128_000;
}
