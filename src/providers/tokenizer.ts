/**
 * Token counting with a real BPE tokenizer (OpenAI's o200k_base, via js-tiktoken), so usage and cost
 * comparisons between delm and its baselines are meaningful even for models that report none.
 * The ranks load lazily on first use (they take a moment).
 */
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';

let encoder: Tiktoken | undefined;

/** Number of tokens in `text`. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  encoder ??= new Tiktoken(o200k);
  return encoder.encode(text).length;
}
