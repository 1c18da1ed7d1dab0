import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, LedgerFullError } from '../../src/errors.js';
import { contentHashOfText } from '../../src/internal/hash.js';
import { dumpJsonl, loadJsonl } from '../../src/ledger/jsonl.js';
import { SharedLedger } from '../../src/ledger/shared-ledger.js';
import type { LedgerEntry } from '../../src/ledger/types.js';

describe('SharedLedger', () => {
  it('appends and reads entries with every field', () => {
    const ledger = SharedLedger.create();
    const raw = ledger.append({ kind: 'raw', text: 'The licence grants rights.', meta: { label: 'D1' } });
    const summary = ledger.append({
      kind: 'summary',
      text: 'Grants rights.',
      parentId: raw.id,
      taskId: 3,
      authorId: 2,
      tokenCount: 4,
    });
    const gist = ledger.append({ kind: 'gist', text: 'D1 grants rights [D1].', parentId: summary.id });
    expect(raw).toMatchObject({ id: 0, level: 2, parentId: -1, meta: { label: 'D1' } });
    expect(summary).toMatchObject({
      id: 1,
      kind: 'summary',
      level: 1,
      taskId: 3,
      authorId: 2,
      tokenCount: 4,
      parentId: 0,
    });
    expect(gist.hash).toBe(contentHashOfText('D1 grants rights [D1].'));
    expect(gist.timestamp).toBeGreaterThan(Date.now() - 5_000);
    expect(ledger.count).toBe(3);
    expect(ledger.sequence).toBe(3);
    expect(ledger.slice(1).map((e) => e.id)).toEqual([1, 2]);
  });

  it('unfolds a gist into its summary and the summary into its raw source', () => {
    const ledger = SharedLedger.create();
    const raw = ledger.append({ kind: 'raw', text: 'full text' });
    const summary = ledger.append({ kind: 'summary', text: 'summary', parentId: raw.id });
    const gist = ledger.append({ kind: 'gist', text: 'gist', parentId: summary.id });
    expect(ledger.unfold(gist.id)?.text).toBe('summary');
    expect(ledger.unfold(summary.id)?.text).toBe('full text');
    expect(ledger.unfold(raw.id)).toBeUndefined();
  });

  it('keeps CLAIM expiry and typed notes', () => {
    const ledger = SharedLedger.create();
    const expiresAt = Date.now() + 60_000;
    expect(ledger.append({ kind: 'CLAIM', text: 'working on test_dates', expiresAt }).expiresAt).toBe(expiresAt);
    for (const kind of ['FACT', 'TRIED', 'OBSERVED', 'FAIL', 'PATCH_SUMMARY'] as const)
      expect(ledger.append({ kind, text: kind }).kind).toBe(kind);
  });

  it('round-trips text of any Unicode, and rejects lone surrogates', () => {
    const ledger = SharedLedger.create();
    const text = 'Ünïcødé — 漢字かな — 🧪🚀👩‍👩‍👧 — \u0000 — 𝔘𝔫𝔦';
    expect(ledger.append({ kind: 'gist', text }).text).toBe(text);
    const bytes = ledger.bytesUsed;
    expect(() => ledger.append({ kind: 'gist', text: 'bad \ud800 surrogate' })).toThrow(/lone surrogate/);
    expect(ledger.bytesUsed).toBe(bytes);
    expect(() => ledger.append({ kind: 'gist', text: 'trailing \udfff' })).toThrow(/lone surrogate/);
    expect(ledger.count).toBe(1);
    // A real U+FFFD encodes like a replaced surrogate, and is kept.
    expect(ledger.append({ kind: 'gist', text: 'replacement \ufffd kept' }).text).toBe('replacement \ufffd kept');
    expect(ledger.get(0).text).toBe(text);
  });

  it('grows, then refuses at its limit with a typed error and writes nothing', () => {
    const ledger = SharedLedger.create({ initialBytes: 1024, maxBytes: 4096, initialEntries: 16, maxEntries: 64 });
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 4; i++) ledger.append({ kind: 'raw', text: chunk });
    const before = { count: ledger.count, bytes: ledger.bytesUsed, seq: ledger.sequence };
    expect(() => ledger.append({ kind: 'raw', text: chunk })).toThrow(LedgerFullError);
    expect({ count: ledger.count, bytes: ledger.bytesUsed, seq: ledger.sequence }).toEqual(before);
    expect(ledger.get(3).text).toBe(chunk);
    const many = SharedLedger.create({ maxEntries: 16 });
    for (let i = 0; i < 16; i++) many.append({ kind: 'gist', text: `${i}` });
    expect(() => many.append({ kind: 'gist', text: 'one more' })).toThrow(
      expect.objectContaining({ code: 'LEDGER_FULL' }),
    );
  });

  it('has one writer at a time; readers cannot append', () => {
    const ledger = SharedLedger.create();
    const reader = SharedLedger.attach(ledger.handle) as SharedLedger;
    expect(() => reader.append({ kind: 'gist', text: 'x' })).toThrow(/single writer/);
    expect(() => SharedLedger.attachWriter(ledger.handle)).toThrow(/already has a writer/);
    ledger.releaseWriter();
    const verifier = SharedLedger.attachWriter(ledger.handle);
    verifier.append({ kind: 'gist', text: 'from the verifier' });
    expect(() => ledger.append({ kind: 'gist', text: 'stale writer' })).toThrow(/single writer/);
    expect(reader.get(0).text).toBe('from the verifier');
  });

  it('reports bad ids, kinds, parents and options clearly', () => {
    const ledger = SharedLedger.create();
    expect(() => ledger.get(0)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => ledger.append({ kind: 'bogus' as never, text: 'x' })).toThrow(/unknown ledger entry kind/);
    expect(() => ledger.append({ kind: 'gist', text: 'x', parentId: 9 })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => SharedLedger.create({ maxBytes: 10 })).toThrow(InvalidConfigError);
    expect(() => SharedLedger.attach({ ...ledger.handle, header: new SharedArrayBuffer(320) })).toThrow(
      /not a delm ledger/,
    );
  });

  it('wakes an async waiter when an entry is published', async () => {
    const ledger = SharedLedger.create();
    const seen = ledger.sequence;
    setTimeout(() => ledger.append({ kind: 'gist', text: 'news' }), 20);
    expect(await ledger.waitForChangeAsync(seen, 5_000)).toBe('changed');
    expect(await ledger.waitForChangeAsync(ledger.sequence, 30)).toBe('timed-out');
  });

  it('dumps to JSON lines and loads them back with every field and link', () => {
    const ledger = SharedLedger.create();
    const raw = ledger.append({ kind: 'raw', text: 'source ✓', meta: { label: 'D1' } });
    ledger.append({
      kind: 'gist',
      text: 'gist',
      parentId: raw.id,
      taskId: 5,
      authorId: 2,
      tokenCount: 1,
      meta: { quotes: [{ source: 'D1', text: 'source' }] },
    });
    ledger.append({ kind: 'CLAIM', text: 'claim', expiresAt: 123 });
    const dump = dumpJsonl(ledger);
    expect(dump.trim().split('\n')).toHaveLength(3);
    const copy = SharedLedger.create();
    loadJsonl(dump, copy);
    expect(copy.slice()).toEqual(ledger.slice());
  });

  it('names the line and field of a bad dump', () => {
    const good = JSON.stringify({
      id: 0,
      kind: 'gist',
      level: 0,
      text: 'a',
      taskId: 0,
      authorId: 0,
      parentId: -1,
      tokenCount: 0,
      expiresAt: 0,
      hash: contentHashOfText('a'),
      timestamp: 1,
    });
    expect(() => loadJsonl(`${good}\n{not json`, SharedLedger.create())).toThrow(/ledger.jsonl:2: not valid JSON/);
    expect(() => loadJsonl(good.replace('"gist"', '"nope"'), SharedLedger.create())).toThrow(/:1: field "kind"/);
    expect(() => loadJsonl(good.replace('"text":"a"', '"text":"b"'), SharedLedger.create())).toThrow(
      /does not match its hash/,
    );
    expect(() => loadJsonl(good.replace('"id":0', '"id":4'), SharedLedger.create())).toThrow(/out of order/);
  });

  it('loads a dump of format version 1 (written before the four-lane hash), and dumps it as version 2', () => {
    // Written by main's code at 00d9151, before hash version 2: lines without "v", version-1 hashes.
    const old = readFileSync(new URL('./fixtures/ledger-v1.jsonl', import.meta.url), 'utf8');
    const lines = old
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry & { v?: number });
    expect(lines.every((l) => l.v === undefined)).toBe(true);
    const ledger = SharedLedger.create();
    loadJsonl(old, ledger);
    const entries = ledger.slice();
    const withoutHash = ({ hash: _hash, v: _v, ...rest }: LedgerEntry & { v?: number }) => rest;
    expect(entries.map(withoutHash)).toEqual(lines.map(withoutHash));
    for (const e of entries) expect(e.hash).toBe(contentHashOfText(e.text));
    // The 1 KB entry's hash changed with the version; short texts hash as before.
    expect(entries[3]!.hash).not.toBe(lines[3]!.hash);
    expect(entries[6]!.hash).toBe(lines[6]!.hash);
    const dump = dumpJsonl(ledger);
    expect(
      dump
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { v: number }).v),
    ).toEqual(lines.map(() => 2));
    const copy = SharedLedger.create();
    loadJsonl(dump, copy);
    expect(copy.slice()).toEqual(entries);
  });

  it('refuses a dump line of an unknown version, or whose hash is of the other version', () => {
    const text = 'x'.repeat(40) + ' — 漢字';
    const line = {
      v: 2,
      id: 0,
      kind: 'gist',
      level: 0,
      text,
      taskId: 0,
      authorId: 0,
      parentId: -1,
      tokenCount: 0,
      expiresAt: 0,
      hash: contentHashOfText(text),
      timestamp: 1,
    };
    expect(loadJsonl(JSON.stringify(line), SharedLedger.create())[0]!.text).toBe(text);
    expect(
      loadJsonl(JSON.stringify({ ...line, v: 1, hash: contentHashOfText(text, 1) }), SharedLedger.create()),
    ).toHaveLength(1);
    expect(() => loadJsonl(JSON.stringify({ ...line, v: 3 }), SharedLedger.create())).toThrow(
      /ledger.jsonl:1: dump format version 3 is newer than this delm reads \(1 to 2\)/,
    );
    expect(() =>
      loadJsonl(JSON.stringify({ ...line, hash: contentHashOfText(text, 1) }), SharedLedger.create()),
    ).toThrow(/does not match its hash/);
    expect(() => loadJsonl(JSON.stringify({ ...line, v: undefined }), SharedLedger.create())).toThrow(
      /does not match its hash/,
    );
  });

  it('appends pre-encoded UTF-8 exactly as it appends the same text, byte for byte', () => {
    const entry = fc.record({
      kind: fc.constantFrom('gist', 'raw', 'FACT' as const),
      // 'binary': any code point, U+FFFD and astral ones included (never a lone surrogate).
      text: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
      meta: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 20 })), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (inputs) => {
        const byText = SharedLedger.create({ initialBytes: 1024, initialEntries: 16 });
        const byBytes = SharedLedger.create({ initialBytes: 1024, initialEntries: 16 });
        // The verifier's path: the bytes it received with the text it decoded from them.
        const byReceived = SharedLedger.create({ initialBytes: 1024, initialEntries: 16 });
        inputs.forEach(({ text, meta, kind }, i) => {
          const rest = { kind, taskId: i, timestamp: 1000 + i, ...(meta ? { meta } : {}) };
          const a = byText.append({ ...rest, text });
          const b = byBytes.appendUtf8(rest, Buffer.from(text, 'utf8'));
          const c = byReceived.appendUtf8(rest, Buffer.from(text, 'utf8'), text);
          expect(b).toEqual(a);
          expect(c).toEqual(a);
          expect(byReceived.get(i)).toEqual(a);
        });
        expect(byBytes.bytesUsed).toBe(byText.bytesUsed);
        expect(byReceived.bytesUsed).toBe(byText.bytesUsed);
        const used = byText.bytesUsed;
        expect(Buffer.from(byBytes.handle.arena, 0, used).equals(Buffer.from(byText.handle.arena, 0, used))).toBe(true);
        expect(Buffer.from(byReceived.handle.arena, 0, used).equals(Buffer.from(byText.handle.arena, 0, used))).toBe(
          true,
        );
        expect(dumpJsonl(byBytes)).toBe(dumpJsonl(byText));
        expect(dumpJsonl(byReceived)).toBe(dumpJsonl(byText));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses bytes that are not UTF-8, writing nothing', () => {
    const ledger = SharedLedger.create();
    ledger.appendUtf8({ kind: 'gist' }, Buffer.from('fine ✓'));
    const before = { count: ledger.count, bytes: ledger.bytesUsed, seq: ledger.sequence };
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* an encoded surrogate */, [0x61, 0xe2, 0x82]])
      expect(() => ledger.appendUtf8({ kind: 'gist' }, Uint8Array.from(bad))).toThrow(/not well-formed UTF-8/);
    expect({ count: ledger.count, bytes: ledger.bytesUsed, seq: ledger.sequence }).toEqual(before);
    const reader = SharedLedger.attach(ledger.handle) as SharedLedger;
    expect(() => reader.appendUtf8({ kind: 'gist' }, Buffer.from('x'))).toThrow(/single writer/);
    const full = SharedLedger.create({ initialBytes: 1024, maxBytes: 1024 });
    expect(() => full.appendUtf8({ kind: 'raw' }, Buffer.alloc(1025, 0x61))).toThrow(LedgerFullError);
    expect(full.bytesUsed).toBe(0);
  });

  it('reads back exactly what any sequence of appends wrote', () => {
    const entry = fc.record({
      kind: fc.constantFrom('gist', 'summary', 'raw', 'failure', 'FACT', 'CLAIM' as const),
      text: fc.string({ unit: 'grapheme', maxLength: 200 }),
      taskId: fc.nat(1000),
      authorId: fc.nat(64),
      meta: fc.option(
        fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 20 }), fc.integer())),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (inputs) => {
        const ledger = SharedLedger.create({ initialBytes: 1024, initialEntries: 16 });
        for (const { meta, ...rest } of inputs) ledger.append(meta === undefined ? rest : { ...rest, meta });
        const back = ledger.slice();
        expect(back).toHaveLength(inputs.length);
        back.forEach((e, i) => {
          expect(e.text).toBe(inputs[i]!.text);
          expect(e.kind).toBe(inputs[i]!.kind);
          expect(e.taskId).toBe(inputs[i]!.taskId);
          expect(e.meta).toEqual(inputs[i]!.meta);
          expect(e.hash).toBe(contentHashOfText(inputs[i]!.text));
        });
      }),
      { numRuns: 150 },
    );
  });
});
