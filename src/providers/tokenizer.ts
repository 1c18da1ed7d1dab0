/**
 * Token counting with a real BPE tokenizer (OpenAI's o200k_base ranks, shipped by js-tiktoken), so
 * usage and cost comparisons between delm and its baselines are meaningful even for models that
 * report none.
 *
 * The ranks live in one SharedArrayBuffer per process ({@link SharedRanks}), built by the first
 * thread that counts a token. {@link shareTokenizer} hands the (possibly still empty) slot to every
 * worker started after it, through Node's worker environment data, so a swarm's threads build the
 * table once between them — and not at all when nothing counts tokens.
 */
import { createRequire } from 'node:module';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { countBpeTokens } from '../tokenizer/bpe.js';
import { SharedRanks, type TiktokenRanksData } from '../tokenizer/shared-ranks.js';

const ENVIRONMENT_KEY = 'delm:tokenizer:o200k_base';

let slot: SharedArrayBuffer | undefined;
let ranks: SharedRanks | undefined;
let pattern: RegExp | undefined;

function loadRankData(): TiktokenRanksData {
  const require = createRequire(import.meta.url);
  const id = require.resolve('js-tiktoken/ranks/o200k_base');
  const data = require(id) as TiktokenRanksData & { default?: TiktokenRanksData };
  // The 2 MB source text is not needed once the table is built.
  delete require.cache[id];
  return data.default ?? data;
}

/** This thread's slot: the one its parent shared, or its own. */
function tokenizerSlot(): SharedArrayBuffer {
  if (!slot) {
    const inherited = getEnvironmentData(ENVIRONMENT_KEY);
    slot = inherited instanceof SharedArrayBuffer ? inherited : SharedRanks.emptySlot();
  }
  return slot;
}

/** This thread's rank table (built on first use, by this thread or another that shares its slot). */
export function tokenizerRanks(): SharedRanks {
  if (!ranks) {
    ranks = SharedRanks.open(tokenizerSlot(), loadRankData);
    pattern = new RegExp(ranks.pattern, 'gu');
  }
  return ranks;
}

/** Number of tokens in `text` (o200k_base). Special-token text such as `<|endoftext|>` counts as plain text. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countBpeTokens(text, tokenizerRanks(), pattern!);
}

/**
 * Shares this thread's rank table with every worker it starts from now on, so they use one table
 * instead of building their own. Cheap: the table is built only when some thread first counts. The
 * swarm calls it before starting its workers; call it yourself before starting workers of your own
 * that count tokens.
 */
export function shareTokenizer(): void {
  setEnvironmentData(ENVIRONMENT_KEY, tokenizerSlot());
}
