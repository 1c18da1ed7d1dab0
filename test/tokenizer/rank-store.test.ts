import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { afterAll, describe, expect, it } from 'vitest';
import { rankCacheFile } from '../../src/providers/tokenizer.js';
import { fileRankStore } from '../../src/tokenizer/rank-store.js';
import { RANK_TABLE_HEADER_BYTES, SharedRanks, type RankTableStore } from '../../src/tokenizer/shared-ranks.js';

const dir = mkdtempSync(path.join(tmpdir(), 'delm-ranks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const built = SharedRanks.build(o200k);
const hello = new TextEncoder().encode(' hello');
const sameTable = (ranks: SharedRanks) => {
  expect(ranks.size).toBe(built.size);
  expect(ranks.pattern).toBe(built.pattern);
  expect(ranks.rank(hello, 0, hello.length)).toBe(built.rank(hello, 0, hello.length));
  expect(Buffer.from(ranks.bytes).equals(Buffer.from(built.bytes))).toBe(true);
};

describe('a rank table kept in a file', () => {
  it('reads back what was written, into a shared slot that then holds a published table', () => {
    const store = fileRankStore(path.join(dir, 'nested', 'table.ranks'));
    expect(store.read(undefined)).toBeUndefined(); // nothing stored yet
    store.write(built);
    sameTable(store.read(undefined)!);
    const slot = SharedRanks.emptySlot();
    const read = store.read(slot)!;
    expect(read.buffer).toBe(slot);
    sameTable(SharedRanks.attach(slot));
  });

  it('refuses a damaged, cut short or foreign file (and leaves the slot unpublished), then takes a good one again', () => {
    const file = path.join(dir, 'damaged.ranks');
    const store = fileRankStore(file);
    store.write(built);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped.writeUInt8(flipped.readUInt8(RANK_TABLE_HEADER_BYTES + 1000) ^ 0x40, RANK_TABLE_HEADER_BYTES + 1000);
    const otherVersion = Buffer.from(good);
    otherVersion.writeInt32LE(1, 4);
    // Same total and checksum, but a negative pattern length: refused before it is published.
    const negativeSize = Buffer.from(good);
    negativeSize.writeInt32LE(good.readInt32LE(16) + good.readInt32LE(20) + 8, 16);
    negativeSize.writeInt32LE(-8, 20);
    for (const bad of [
      flipped,
      good.subarray(0, good.length - 1),
      otherVersion,
      negativeSize,
      Buffer.from('not a table'),
    ]) {
      writeFileSync(file, bad);
      const slot = SharedRanks.emptySlot();
      expect(store.read(slot)).toBeUndefined();
      expect(() => SharedRanks.attach(slot)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    writeFileSync(file, good);
    sameTable(store.read(undefined)!);
  });

  it('writes nothing and throws nothing where it cannot write', () => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    const store = fileRankStore(path.join(blocker, 'table.ranks')); // its directory is a file
    expect(() => store.write(built)).not.toThrow();
    expect(store.read(undefined)).toBeUndefined();
  });
});

describe('SharedRanks.open with a store', () => {
  const spy = (stored: SharedRanks | undefined) => {
    const calls = { reads: 0, writes: [] as SharedRanks[] };
    const store: RankTableStore = {
      read: (into) => {
        calls.reads++;
        if (!stored) return undefined;
        const copy = into ?? new SharedArrayBuffer(stored.bytes.length);
        if (copy.byteLength < stored.bytes.length) copy.grow(stored.bytes.length);
        new Uint8Array(copy).set(stored.bytes.subarray(RANK_TABLE_HEADER_BYTES), RANK_TABLE_HEADER_BYTES);
        return SharedRanks.adopt(copy, new Int32Array(stored.bytes.slice(0, RANK_TABLE_HEADER_BYTES).buffer));
      },
      write: (ranks) => void calls.writes.push(ranks),
    };
    return { store, calls };
  };

  it('takes a stored table without loading the rank data', () => {
    const { store, calls } = spy(built);
    const slot = SharedRanks.emptySlot();
    const ranks = SharedRanks.open(
      slot,
      () => {
        throw new Error('the rank data should not be needed');
      },
      { store },
    );
    expect(ranks.buffer).toBe(slot);
    sameTable(ranks);
    expect(calls).toEqual({ reads: 1, writes: [] });
    SharedRanks.open(slot, () => o200k, { store }); // attached: the store is not asked again
    expect(calls.reads).toBe(1);
  });

  it('builds from the rank data when the store has nothing, and gives the store what it built', () => {
    const { store, calls } = spy(undefined);
    let loads = 0;
    const ranks = SharedRanks.open(SharedRanks.emptySlot(), () => (loads++, o200k), { store });
    sameTable(ranks);
    expect(loads).toBe(1);
    expect(calls.writes).toEqual([ranks]);
  });
});

describe('where the table is kept', () => {
  it('follows DELM_CACHE_DIR, then XDG_CACHE_HOME, and is off with DELM_CACHE_DIR=off; the name changes with the rank data', () => {
    const file = rankCacheFile({ DELM_CACHE_DIR: '/somewhere' })!;
    expect(path.dirname(file)).toBe('/somewhere');
    expect(path.basename(file)).toMatch(/^o200k_base-t2-h2-[0-9a-f]{8}\.ranks$/);
    expect(path.dirname(rankCacheFile({ XDG_CACHE_HOME: '/xdg' })!)).toBe(path.join('/xdg', 'delm'));
    expect(rankCacheFile({ DELM_CACHE_DIR: 'off' })).toBeUndefined();
  });

  it('is written by the first process that counts tokens and read by the next, with the same counts', () => {
    const cacheDir = path.join(dir, 'processes');
    const count = () =>
      execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          "import('./src/providers/tokenizer.ts').then((t) => console.log(t.countTokens('Ünïcødé and plain text, 12345')))",
        ],
        { env: { ...process.env, DELM_CACHE_DIR: cacheDir }, encoding: 'utf8' },
      ).trim();
    const first = count();
    const file = rankCacheFile({ DELM_CACHE_DIR: cacheDir })!;
    const written = statSync(file).mtimeMs;
    expect(count()).toBe(first);
    expect(statSync(file).mtimeMs).toBe(written); // read, not built and written again
    expect(Number(first)).toBeGreaterThan(5);
  }, 60_000);
});
