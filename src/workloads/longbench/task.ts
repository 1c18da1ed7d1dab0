/** A LongBench-v2 item as a run task: its context cut into documents and chunks, one sub-task per chunk. */
import { countTokens } from '../../providers/tokenizer.js';
import type { RunTask } from '../../types.js';
import { chunkDocuments } from './chunk.js';
import { choicesOf, type LongBenchItem } from './schema.js';
import { splitIntoDocuments } from './split.js';

/** Options of {@link itemToTask}. */
export interface ItemTaskOptions {
  /** Largest chunk, in tokens (default 3,000). */
  readonly chunkTokens?: number;
}

/** The run task for one item: question, choices, chunked sources, one sub-task per chunk. */
export function itemToTask(item: LongBenchItem, options: ItemTaskOptions = {}): RunTask {
  const docs = splitIntoDocuments(item.context);
  const chunks = chunkDocuments(docs, { maxTokens: options.chunkTokens ?? 3_000, countTokens });
  const titles = new Map(docs.map((d) => [d.index, d.title]));
  return {
    prompt: item.question,
    sources: chunks.map((c) => {
      const title = titles.get(c.docIndex);
      return { label: c.label, text: c.text, ...(title ? { title } : {}) };
    }),
    subTasks: chunks.map((c) => ({ payload: `Read ${c.label} and report what bears on the question.` })),
    meta: { choices: choicesOf(item), itemId: item._id },
  };
}
