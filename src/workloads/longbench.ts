/**
 * The multi-document QA workload in LongBench-v2's item format: load items, cut their contexts
 * into documents and chunks (one sub-task each), and score answers by LongBench-v2's rule.
 */
export {
  longBenchItemSchema,
  LONGBENCH_FIELDS,
  CHOICE_LETTERS,
  type LongBenchItem,
  type ChoiceLetter,
} from './longbench/schema.js';
export { loadLongBenchFile, parseLongBenchText } from './longbench/load.js';
export {
  splitIntoDocuments,
  detectDocumentSeparator,
  type SourceDocument,
  type SeparatorKind,
  type SplitOptions,
} from './longbench/split.js';
export {
  chunkDocument,
  chunkDocuments,
  estimateTokens,
  type DocumentChunk,
  type ChunkOptions,
} from './longbench/chunk.js';
export {
  extractAnswer,
  scoreItems,
  formatQuestion,
  lengthClass,
  type ItemResult,
  type Accuracy,
  type LongBenchScore,
} from './longbench/score.js';
export { itemToTask, type ItemTaskOptions } from './longbench/task.js';
export { WorkloadFileError } from './errors.js';
