/**
 * Token counting with a real BPE tokenizer (OpenAI's o200k_base ranks, shipped by js-tiktoken), so
 * usage and cost comparisons between delm and its baselines are meaningful even for models that
 * report none.
 *
 * The ranks live in one SharedArrayBuffer per process ({@link SharedRanks}), built by the first
 * thread that counts a token. {@link shareTokenizer} hands the (possibly still empty) slot to every
 * worker started after it, through Node's worker environment data, so a swarm's threads build the
 * table once between them — and not at all when nothing counts tokens. The thread that builds it
 * keeps it in delm's cache directory ({@link rankCacheFile}), and later processes read it from there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { CONTENT_HASH_VERSION, contentHash } from '../internal/hash.js';
import { countBpeTokens } from '../tokenizer/bpe.js';
import { fileRankStore } from '../tokenizer/rank-store.js';
import {
  RANK_TABLE_VERSION,
  SharedRanks,
  type RankTableStore,
  type TiktokenRanksData,
} from '../tokenizer/shared-ranks.js';

const ENVIRONMENT_KEY = 'delm:tokenizer:o200k_base';
const RANKS_MODULE = 'js-tiktoken/ranks/o200k_base';

let slot: SharedArrayBuffer | undefined;
let ranks: SharedRanks | undefined;
let pattern: RegExp | undefined;

function loadRankData(): TiktokenRanksData {
  const require = createRequire(import.meta.url);
  const id = require.resolve(RANKS_MODULE);
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

/**
 * Where the built table is kept: `$DELM_CACHE_DIR`, else `$XDG_CACHE_HOME/delm`, else
 * `~/.cache/delm`; undefined with `DELM_CACHE_DIR=off`. The name carries what the table depends on:
 * its format and hash versions and the rank data's own hash, so another version never reads it.
 */
export function rankCacheFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.DELM_CACHE_DIR;
  if (configured === 'off') return undefined;
  const dir = configured || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'delm');
  const source = readFileSync(createRequire(import.meta.url).resolve(RANKS_MODULE));
  const key = `t${RANK_TABLE_VERSION}-h${CONTENT_HASH_VERSION}-${contentHash(source).toString(16).padStart(8, '0')}`;
  return path.join(dir, `o200k_base-${key}.ranks`);
}

let cacheFile: string | undefined | null = null;
/** The table's file store, its name worked out (hashing the rank data) only by a thread that makes the table. */
const cacheStore: RankTableStore = {
  read: (into) => storeInCache()?.read(into),
  write: (built) => storeInCache()?.write(built),
};
function storeInCache(): RankTableStore | undefined {
  if (cacheFile === null)
    try {
      cacheFile = rankCacheFile();
    } catch {
      cacheFile = undefined; // no home directory, say: the table is built, as without a cache
    }
  return cacheFile === undefined ? undefined : fileRankStore(cacheFile);
}

/** This thread's rank table (made on first use, by this thread or another that shares its slot). */
export function tokenizerRanks(): SharedRanks {
  if (!ranks) {
    ranks = SharedRanks.open(tokenizerSlot(), loadRankData, { store: cacheStore });
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
