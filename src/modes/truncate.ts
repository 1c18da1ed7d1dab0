/**
 * LongBench-v2's truncation for a single pass: when the context is longer than the window allows,
 * keep its first and last halves of the budget and cut the middle. Documents keep their labels;
 * a document cut through says so, one wholly in the middle is dropped.
 */
import type { PromptDocument } from '../protocols/kit/prompts/template.js';
import { countTokens } from '../providers/tokenizer.js';

/** The documents that fit in `budget` tokens, and how many tokens were cut. */
export function truncateMiddle(
  documents: readonly PromptDocument[],
  budget: number,
  count: (text: string) => number = countTokens,
): { documents: PromptDocument[]; cutTokens: number } {
  const sizes = documents.map((d) => count(d.text));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= budget) return { documents: [...documents], cutTokens: 0 };
  const head = Math.floor(budget / 2);
  const tail = budget - head;
  const out: PromptDocument[] = [];
  let at = 0;
  documents.forEach((doc, i) => {
    const size = sizes[i]!;
    const start = at;
    const end = at + size;
    at = end;
    const keepHead = Math.max(0, Math.min(end, head) - start);
    const keepTail = Math.max(0, end - Math.max(start, total - tail));
    if (keepHead >= size || keepTail >= size) out.push(doc);
    else if (keepHead > 0)
      out.push({
        ...doc,
        text: `${sliceTokens(doc.text, size, keepHead, 'head')}\n[… the rest of ${doc.label} was cut to fit the model's window …]`,
      });
    else if (keepTail > 0)
      out.push({
        ...doc,
        text: `[… the start of ${doc.label} was cut to fit the model's window …]\n${sliceTokens(doc.text, size, keepTail, 'tail')}`,
      });
  });
  return { documents: out, cutTokens: total - budget };
}

/** `prompt` with a note of the `cutTokens` cut to fit a `window`-token window (unchanged when nothing was cut). */
export function withCutNote(prompt: string, cutTokens: number, window: number): string {
  return cutTokens > 0
    ? `${prompt}\n\n(Note: ${cutTokens} tokens from the middle of the documents were cut to fit the model's ${window}-token window.)`
    : prompt;
}

// Token-proportional character cut: exact token slicing would need the tokenizer's offsets.
function sliceTokens(text: string, tokens: number, keep: number, end: 'head' | 'tail'): string {
  const chars = Math.floor((text.length * keep) / Math.max(1, tokens));
  return end === 'head' ? text.slice(0, chars) : text.slice(text.length - chars);
}
