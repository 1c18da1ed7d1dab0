import { describe, expect, it } from 'vitest';
import type { EntryKind, LedgerEntry } from '../../../src/ledger/types.js';
import { countTokens } from '../../../src/providers/tokenizer.js';
import { buildDigest } from '../../../src/protocols/kit/digest.js';

function make(id: number, kind: EntryKind, text: string, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id,
    kind,
    level: 0,
    text,
    taskId: 0,
    authorId: 0,
    parentId: -1,
    tokenCount: 0,
    expiresAt: 0,
    hash: 0,
    timestamp: id,
    meta: undefined,
    ...extra,
  };
}
const quoted = (id: number, text: string) =>
  make(id, 'gist', text, { meta: { labels: ['D1'], quotes: [{ source: 'D1', text: 'a quote' }] } });

describe('buildDigest', () => {
  it('puts concrete entries first and, among them, the newest', () => {
    const entries = [
      quoted(0, 'old quoted gist'),
      make(1, 'gist', 'vague newer gist'),
      quoted(2, 'new quoted gist'),
      make(3, 'FACT', 'the loop runs 10 times'),
      make(4, 'TRIED', 'restarted the server and it still fails'),
    ];
    const d = buildDigest(entries, { now: 0 });
    // 3 has a number (concrete), 2 and 0 have quotes; 4 and 1 are neither.
    expect(d.ids).toEqual([3, 2, 0, 4, 1]);
    expect(d.text.split('\n')[0]).toBe('[#3 FACT] the loop runs 10 times');
    expect(d.text).toContain('[#2 gist D1] new quoted gist');
  });

  it('respects the total and per-kind caps', () => {
    const entries = Array.from({ length: 30 }, (_, i) => quoted(i, `finding number ${i}`));
    entries.push(...Array.from({ length: 10 }, (_, i) => make(30 + i, 'CLAIM', `working on D${i}`)));
    const d = buildDigest(entries, { now: 0, maxEntries: 12, perKind: { gist: 8, CLAIM: 2 } });
    expect(d.ids.length).toBe(10);
    expect(d.ids.filter((id) => id < 30)).toEqual([29, 28, 27, 26, 25, 24, 23, 22]);
    expect(d.ids.filter((id) => id >= 30)).toEqual([39, 38]);
    expect(buildDigest(entries, { now: 0, maxEntries: 5 }).ids).toHaveLength(5);
  });

  it('stays within the token budget, counted on the rendered text', () => {
    const entries = Array.from({ length: 60 }, (_, i) =>
      quoted(
        i,
        `Gist ${i}: the licence grants a worldwide, royalty-free patent license to make, use and sell the work.`,
      ),
    );
    for (const budget of [50, 200, 777]) {
      const d = buildDigest(entries, { now: 0, tokenBudget: budget, maxEntries: 100, perKind: { gist: 100 } });
      expect(d.tokens).toBe(countTokens(d.text));
      expect(d.tokens).toBeLessThanOrEqual(budget);
      // Full: one more line would not fit.
      expect(d.tokens + countTokens(`\n[#0 gist D1] ${entries[0]!.text}`)).toBeGreaterThan(budget);
    }
  });

  it('leaves out expired CLAIMs and shows failures as a one-line reason', () => {
    const entries = [
      make(0, 'CLAIM', 'fixing parser', { expiresAt: 1_000 }),
      make(1, 'CLAIM', 'fixing lexer', { expiresAt: 10_000 }),
      make(2, 'CLAIM', 'fixing nothing in particular', { expiresAt: 0 }),
      make(3, 'failure', `rejected gist: quote not found\n${'stack detail '.repeat(40)}`),
      make(4, 'FAIL', `src/a.js:3 "<" → "<=": test still fails ${'x'.repeat(300)}`),
      make(5, 'raw', 'the raw source is never in a digest', { level: 2 }),
      make(6, 'summary', 'nor is a summary', { level: 1 }),
    ];
    const d = buildDigest(entries, { now: 5_000 });
    expect(d.ids.sort()).toEqual([1, 2, 3, 4]);
    expect(d.text).not.toContain('fixing parser');
    expect(d.text).not.toContain('stack detail');
    const failLine = d.text.split('\n').find((l) => l.startsWith('[#4 FAIL]'))!;
    expect(failLine.length).toBeLessThan(140);
  });
});
