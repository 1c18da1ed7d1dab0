/**
 * Token counting: delm's BPE over a shared rank table against js-tiktoken, for speed on real text
 * and for the memory each worker thread pays to count tokens.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { fmt, type BenchSuite, type BenchTable } from './harness.js';

const WORKERS = 8;
const compiled = new URL('../dist/src/providers/tokenizer.js', import.meta.url);
const bpe = new URL('../dist/src/tokenizer/bpe.js', import.meta.url);
const counter = new URL('./workers/token-counter.mjs', import.meta.url);
const require = createRequire(import.meta.url);
const corpus = [
  readFileSync(new URL('../README.md', import.meta.url), 'utf8'),
  ...(
    JSON.parse(readFileSync(new URL('../examples/multidoc/data.json', import.meta.url), 'utf8')) as Array<{
      context: string;
    }>
  ).map((i) => i.context),
].join('\n\n');

function speed(
  count: (text: string) => number,
  beforeEachRound = () => {},
): { mbPerSec: number; tokensPerSec: number; tokens: number } {
  count(corpus); // warm-up (and, for delm, building the table)
  const rounds = 3;
  let seconds = 0;
  let tokens = 0;
  for (let i = 0; i < rounds; i++) {
    beforeEachRound();
    const t = performance.now();
    tokens = count(corpus);
    seconds += (performance.now() - t) / 1000;
  }
  return {
    mbPerSec: (rounds * Buffer.byteLength(corpus)) / 2 ** 20 / seconds,
    tokensPerSec: (rounds * tokens) / seconds,
    tokens,
  };
}

/** RSS the process gains per worker when WORKERS workers each count one text. */
async function memoryPerWorker(kind: 'delm' | 'js-tiktoken'): Promise<number> {
  const data =
    kind === 'delm'
      ? { kind, module: compiled.href }
      : {
          kind,
          module: pathToFileURL(require.resolve('js-tiktoken/lite')).href,
          ranks: pathToFileURL(require.resolve('js-tiktoken/ranks/o200k_base')).href,
        };
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const workers = Array.from(
    { length: WORKERS },
    () => new Worker(counter, { workerData: { ...data, text: corpus.slice(0, 10_000) } }),
  );
  await Promise.all(
    workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  const added = (process.memoryUsage().rss - before) / WORKERS / 2 ** 20;
  await Promise.all(workers.map((w) => w.terminate()));
  return added;
}

export const suite: BenchSuite = {
  name: 'tokenizer',
  async run(): Promise<BenchTable[]> {
    const { countTokens, shareTokenizer, tokenizerRanks } = (await import(
      compiled.href
    )) as typeof import('../src/providers/tokenizer.js');
    const { forgetPieceCounts } = (await import(bpe.href)) as typeof import('../src/tokenizer/bpe.js');
    const reference = new Tiktoken(o200k);
    const ours = speed(countTokens, () => forgetPieceCounts(tokenizerRanks()));
    const oursSeen = speed(countTokens);
    const theirs = speed((text) => reference.encode(text, [], []).length);
    if (ours.tokens !== theirs.tokens)
      throw new Error(`token counts differ: delm ${ours.tokens}, js-tiktoken ${theirs.tokens}`);
    const tiktokenMemory = await memoryPerWorker('js-tiktoken');
    const ownTable = await memoryPerWorker('delm');
    shareTokenizer();
    const sharedTable = await memoryPerWorker('delm');
    return [
      {
        title: `Token counting (o200k_base), ${fmt(Buffer.byteLength(corpus) / 2 ** 20)} MiB of README and example documents`,
        columns: ['counter', 'MiB/s', 'tokens/s'],
        rows: [
          ['delm (shared rank table), text not seen before', fmt(ours.mbPerSec), Math.round(ours.tokensPerSec)],
          ['delm, words seen before (piece counts cached)', fmt(oursSeen.mbPerSec), Math.round(oursSeen.tokensPerSec)],
          ['js-tiktoken', fmt(theirs.mbPerSec), Math.round(theirs.tokensPerSec)],
        ],
        notes: [
          `both count ${ours.tokens.toLocaleString('en-US')} tokens`,
          "delm's first row empties its per-thread cache of piece counts before each round; the second keeps it, as a run does (prompts repeat documents and gists)",
        ],
      },
      {
        title: `Memory a worker thread pays to count tokens (${WORKERS} workers, RSS added per worker)`,
        columns: ['counter in each worker', 'MiB per worker'],
        rows: [
          ['js-tiktoken', fmt(tiktokenMemory)],
          ['delm, table built in the worker (started before shareTokenizer)', fmt(ownTable)],
          ['delm, table shared by the parent (what a swarm does)', fmt(sharedTable)],
        ],
        notes: ['a bare worker thread costs ~8.5 MiB on its own, included in every row'],
      },
    ];
  },
};
