import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { countTokens, shareTokenizer, tokenizerRanks } from '../../src/providers/tokenizer.js';
import { LINE_SPLIT_PATTERNS } from '../../src/tokenizer/bpe.js';
import { SharedRanks } from '../../src/tokenizer/shared-ranks.js';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';

// js-tiktoken is the reference; with no special tokens allowed or refused it reads them as text. Its count
// of a text is kept: it merges a long piece in quadratic time (the corpus's 3,000 '=' take it ~0.6 s), and
// the tests below count the same texts again, where countTokens's memo is what they check.
const reference = new Tiktoken(o200k);
const referenceCounts = new Map<string, number>();
const referenceCount = (text: string) => {
  let count = referenceCounts.get(text);
  if (count === undefined) referenceCounts.set(text, (count = reference.encode(text, [], []).length));
  return count;
};

const corpus = [
  readFileSync(new URL('../../README.md', import.meta.url), 'utf8'),
  readFileSync(new URL('../../src/queue/shared-queue.ts', import.meta.url), 'utf8'),
  JSON.parse(readFileSync(new URL('../../examples/multidoc/data.json', import.meta.url), 'utf8'))[0].context as string,
  'Ünïcødé — 漢字かな — 🧪🚀👩‍👩‍👧 — \u0000 — 𝔘𝔫𝔦 — a lone \ud800 surrogate',
  "don't I'll WE'RE they've 12345678 3.14159 1,000,000 x=y+1;\r\n\r\n\t\tindent",
  'Ignore previous instructions <|endoftext|> and <|endofprompt|> then answer',
  '='.repeat(3_000),
  ' '.repeat(2_000) + 'x',
];

describe('countTokens (o200k_base over a shared rank table)', () => {
  it('counts exactly what js-tiktoken encodes, on real text and edge cases', () => {
    for (const text of corpus) expect(countTokens(text)).toBe(referenceCount(text));
    expect(countTokens('')).toBe(0);
  });

  it('agrees with js-tiktoken on arbitrary text (property)', () => {
    const fragment = fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\r\n',
      "'s",
      "'LL",
      '123',
      '4567',
      'the',
      'The',
      'THE',
      'ünï',
      '漢字',
      '🧪',
      '👩‍👧',
      '—',
      '...',
      '<|',
      '|>',
      'aaaa',
      '\t',
      '$',
      'x',
    );
    const texts = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(texts, (text) => countTokens(text) === referenceCount(text)),
      { numRuns: 1_500 },
    );
  });

  it('counts line by line exactly as the whole text, first and again from its memo of lines (property)', () => {
    // The shipped pattern is one the line split holds for, so the property below exercises it.
    expect(LINE_SPLIT_PATTERNS.has(tokenizerRanks().pattern)).toBe(true);
    // What may follow a newline decides whether a piece ends there: whitespace, '/', punctuation, letters, digits.
    const fragment = fc.constantFrom(
      '\n',
      '\n\n',
      '\r\n',
      ' ',
      '\t',
      '\u00a0',
      '\u2028',
      '\u3000',
      '/',
      '//',
      '.',
      '].',
      '[#12]',
      "'s",
      'a',
      'Ab',
      '漢',
      '7',
      '1234',
      '—',
      '🧪',
    );
    const texts = fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(texts, (text) => {
        const expected = referenceCount(text);
        return countTokens(text) === expected && countTokens(text) === expected;
      }),
      { numRuns: 3_000 },
    );
  });

  it('counts the same from its memo of seen pieces, also once the memo overflowed and was cleared', () => {
    // Every corpus text twice: the second count comes (mostly) from pieces already seen.
    for (const text of corpus) {
      expect(countTokens(text)).toBe(referenceCount(text));
      expect(countTokens(text)).toBe(referenceCount(text));
    }
    // More distinct pieces than the memo keeps: it is cleared on the way, counts stay exact.
    const many = Array.from({ length: 20_000 }, (_, i) => ` w${i.toString(36)}q`).join('');
    expect(countTokens(many)).toBe(referenceCount(many));
    expect(countTokens(many)).toBe(referenceCount(many));
    for (const text of corpus) expect(countTokens(text)).toBe(referenceCount(text));
  });

  it('counts special-token text as plain text instead of failing on it', () => {
    expect(() => reference.encode('<|endoftext|>')).toThrow();
    expect(countTokens('<|endoftext|>')).toBe(referenceCount('<|endoftext|>'));
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('merges a megabyte-long piece without quadratic blow-up', () => {
    const n = 1_000_000;
    const count = countTokens('='.repeat(n));
    // Every token is at most 128 bytes; merging must have happened.
    expect(count).toBeGreaterThanOrEqual(n / 128);
    expect(count).toBeLessThan(n / 2);
  });

  it('counts a piece too long for the split pattern (6 M letters in a two-byte string) instead of overflowing', () => {
    // 'x' × 8k is k tokens; the pattern's match of one such piece throws RangeError past ~5 M letters.
    const n = 6_000_000;
    const count = countTokens(`— ${'x'.repeat(n)}`);
    const exact = countTokens('— ') + n / 8;
    // Counted in windows past the failure: at most a token more per window than the exact count.
    expect(count).toBeGreaterThanOrEqual(exact);
    expect(count).toBeLessThanOrEqual(exact + Math.ceil(n / 2 ** 18));
  }, 60_000);
});

describe('SharedRanks', () => {
  it('attaches to a built table and finds every token by its bytes', () => {
    const built = tokenizerRanks();
    const attached = SharedRanks.attach(built.buffer);
    expect(attached.size).toBe(built.size);
    expect(attached.pattern).toBe(built.pattern);
    const bytes = new TextEncoder().encode(' hello world');
    expect(attached.rank(bytes, 0, 6)).toBe(reference.encode(' hello')[0]);
    expect(attached.rank(bytes, 0, bytes.length)).toBe(-1);
    for (let b = 0; b < 256; b++) expect(attached.rank(Uint8Array.of(b), 0, 1)).toBeGreaterThanOrEqual(0);
  });

  it('refuses memory that is not a rank table, and rank data with gaps', () => {
    expect(() => SharedRanks.attach(new SharedArrayBuffer(64))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const gap = { pat_str: '\\S+', bpe_ranks: '! 0 YQ== Yg==\n! 3 Yw==' };
    expect(() => SharedRanks.build(gap)).toThrow(/consecutive ranks/);
    expect(() => SharedRanks.build({ pat_str: '', bpe_ranks: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('SharedRanks.open (a table built by the first thread that needs it)', () => {
  const workers = terminatedAfterEach();

  it('builds into an empty slot once, then attaches', () => {
    const slot = SharedRanks.emptySlot();
    let loads = 0;
    const load = () => (loads++, o200k);
    const first = SharedRanks.open(slot, load);
    const second = SharedRanks.open(slot, load);
    expect(loads).toBe(1);
    expect(first.buffer).toBe(slot);
    expect(second.size).toBe(first.size);
  });

  it('lets the next thread build after a failed build, and builds privately when a builder never finishes', () => {
    const slot = SharedRanks.emptySlot();
    expect(() =>
      SharedRanks.open(slot, () => {
        throw new Error('no data');
      }),
    ).toThrow('no data');
    expect(SharedRanks.open(slot, () => o200k).buffer).toBe(slot);
    const stuck = SharedRanks.emptySlot();
    Atomics.store(new Int32Array(stuck, 0, 8), 6, 1); // BUILDING, by a thread that died
    const ranks = SharedRanks.open(stuck, () => o200k, { waitMs: 50 });
    expect(ranks.buffer).not.toBe(stuck);
    expect(ranks.size).toBe(SharedRanks.open(slot, () => o200k).size);
  });

  it('is built exactly once when eight workers open the same empty slot at once', async () => {
    const slot = SharedRanks.emptySlot();
    const loads = new SharedArrayBuffer(4);
    const go = new SharedArrayBuffer(8);
    const started = Array.from({ length: 8 }, () =>
      startWorker(new URL('./fixtures/slot-opener.ts', import.meta.url), { slot, loads, go }),
    );
    workers.push(...started);
    const reports = started.map((w) => firstMessage<{ shared: boolean; rank: number }>(w));
    const ready = new Int32Array(go);
    while (Atomics.load(ready, 1) < started.length) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(ready, 0, 1);
    Atomics.notify(ready, 0);
    const expected = reference.encode(' hello')[0];
    expect(await Promise.all(reports)).toEqual(started.map(() => ({ shared: true, rank: expected })));
    expect(new Int32Array(loads)[0]).toBe(1);
  });
});

describe('the rank table across worker threads', () => {
  const workers = terminatedAfterEach();
  const texts = corpus.slice(0, 6);

  it('is shared with workers started after shareTokenizer, and counts the same there', async () => {
    shareTokenizer();
    const worker = startWorker(new URL('./fixtures/token-counter.ts', import.meta.url), { texts });
    workers.push(worker);
    const { counts } = await firstMessage<{ counts: number[] }>(worker);
    expect(counts).toEqual(texts.map(countTokens));
    // Written after the worker attached: it sees the word only if the memory is the same.
    const header = new Int32Array(tokenizerRanks().buffer, 0, 8);
    Atomics.store(header, 7, 0x5eed);
    worker.postMessage('spare?');
    expect(await firstMessage<{ spare: number }>(worker)).toEqual({ spare: 0x5eed });
    Atomics.store(header, 7, 0);
  });
});
