import { z } from 'zod';

/** The four answer letters of a LongBench-v2 question. */
export const CHOICE_LETTERS = ['A', 'B', 'C', 'D'] as const;
/** One of A-D. */
export type ChoiceLetter = (typeof CHOICE_LETTERS)[number];

/** The fields of a four-choice question, as LongBench-v2 names them (shared by the tool-search workload). */
export const multipleChoiceFields = {
  _id: z.string().min(1),
  question: z.string().min(1),
  // A choice with no text cannot be told apart, or asked about: refused with the file, not mid-run.
  choice_A: z.string().min(1),
  choice_B: z.string().min(1),
  choice_C: z.string().min(1),
  choice_D: z.string().min(1),
  answer: z.enum(CHOICE_LETTERS),
};

/** A question's choices keyed by letter, as a task's `meta.choices`. */
export function choicesOf(q: Record<`choice_${ChoiceLetter}`, string>): Record<ChoiceLetter, string> {
  return { A: q.choice_A, B: q.choice_B, C: q.choice_C, D: q.choice_D };
}

/** One LongBench-v2 item, exactly as the benchmark's data files hold it (extra fields are kept). */
export const longBenchItemSchema = z.looseObject({
  ...multipleChoiceFields,
  domain: z.string(),
  sub_domain: z.string(),
  difficulty: z.enum(['easy', 'hard']),
  length: z.enum(['short', 'medium', 'long']),
  context: z.string().regex(/\S/, 'has no text (empty, or only whitespace)'),
});

/** A validated LongBench-v2 item. */
export type LongBenchItem = z.infer<typeof longBenchItemSchema>;

/** The field names every item must have, in the benchmark's order. */
export const LONGBENCH_FIELDS = [
  '_id',
  'domain',
  'sub_domain',
  'difficulty',
  'length',
  'question',
  'choice_A',
  'choice_B',
  'choice_C',
  'choice_D',
  'answer',
  'context',
] as const;
