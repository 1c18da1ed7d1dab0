import { z } from 'zod';

/** The four answer letters of a LongBench-v2 question. */
export const CHOICE_LETTERS = ['A', 'B', 'C', 'D'] as const;
/** One of A-D. */
export type ChoiceLetter = (typeof CHOICE_LETTERS)[number];

/** One LongBench-v2 item, exactly as the benchmark's data files hold it (extra fields are kept). */
export const longBenchItemSchema = z.looseObject({
  _id: z.string().min(1),
  domain: z.string(),
  sub_domain: z.string(),
  difficulty: z.enum(['easy', 'hard']),
  length: z.enum(['short', 'medium', 'long']),
  question: z.string().min(1),
  choice_A: z.string(),
  choice_B: z.string(),
  choice_C: z.string(),
  choice_D: z.string(),
  answer: z.enum(CHOICE_LETTERS),
  context: z.string().min(1),
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
