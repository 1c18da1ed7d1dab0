import type { ChoiceLetter, LongBenchItem } from './schema.js';

/**
 * LongBench-v2's answer rule: asterisks are removed, then the first "The correct answer is (X)"
 * wins, else the first "The correct answer is X"; X is one of A-D (case-sensitive, as theirs).
 * Returns null when neither occurs.
 */
export function extractAnswer(response: string): ChoiceLetter | null {
  const text = response.replaceAll('*', '');
  const m = /The correct answer is \(([A-D])\)/.exec(text) ?? /The correct answer is ([A-D])/.exec(text);
  return (m?.[1] as ChoiceLetter | undefined) ?? null;
}

/** One answered item, for {@link scoreItems}. */
export interface ItemResult {
  readonly item: Pick<LongBenchItem, '_id' | 'answer' | 'difficulty' | 'length'>;
  /** The model's letter (from {@link extractAnswer}); null counts as wrong, as in LongBench-v2. */
  readonly predicted: ChoiceLetter | null;
}

/** Accuracy over a group of items; `accuracy` is null when the group is empty. */
export interface Accuracy {
  readonly correct: number;
  readonly total: number;
  /** Percentage, 0-100. */
  readonly accuracy: number | null;
}

/** Accuracy overall, by difficulty and by length, as LongBench-v2 reports it. */
export interface LongBenchScore {
  readonly overall: Accuracy;
  readonly byDifficulty: { readonly easy: Accuracy; readonly hard: Accuracy };
  readonly byLength: { readonly short: Accuracy; readonly medium: Accuracy; readonly long: Accuracy };
  /** Items with no extractable answer. */
  readonly unanswered: number;
}

/** Scores answered items: a prediction is correct when it equals the item's `answer`. */
export function scoreItems(results: readonly ItemResult[]): LongBenchScore {
  const acc = (filter: (r: ItemResult) => boolean): Accuracy => {
    const group = results.filter(filter);
    const correct = group.filter((r) => r.predicted === r.item.answer).length;
    return { correct, total: group.length, accuracy: group.length ? (100 * correct) / group.length : null };
  };
  return {
    overall: acc(() => true),
    byDifficulty: { easy: acc((r) => r.item.difficulty === 'easy'), hard: acc((r) => r.item.difficulty === 'hard') },
    byLength: {
      short: acc((r) => r.item.length === 'short'),
      medium: acc((r) => r.item.length === 'medium'),
      long: acc((r) => r.item.length === 'long'),
    },
    unanswered: results.filter((r) => r.predicted === null).length,
  };
}

/** The question with its four choices and the answer-format instruction of LongBench-v2's zero-shot prompt. */
export function formatQuestion(
  item: Pick<LongBenchItem, 'question' | 'choice_A' | 'choice_B' | 'choice_C' | 'choice_D'>,
): string {
  return [
    `What is the correct answer to this question: ${item.question.trim()}`,
    'Choices:',
    `(A) ${item.choice_A.trim()}`,
    `(B) ${item.choice_B.trim()}`,
    `(C) ${item.choice_C.trim()}`,
    `(D) ${item.choice_D.trim()}`,
    '',
    'Format your response as follows: "The correct answer is (insert answer here)".',
  ].join('\n');
}

/** LongBench-v2's length class for a word count: short < 32k words, medium < 128k, long beyond. */
export function lengthClass(words: number): LongBenchItem['length'] {
  return words < 32_000 ? 'short' : words < 128_000 ? 'medium' : 'long';
}
