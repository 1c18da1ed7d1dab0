import { describe, expect, it } from 'vitest';
import {
  entryBodyText,
  entryHeadText,
  kindClass,
  ledgerSections,
  rejectHeadText,
  unfoldChain,
} from '../../../../src/inspector/page/client/ledger-tree.js';
import type { EntryView } from '../../../../src/inspector/page/client/model.js';
import { RUN, runOf } from './events.js';

const entry = (over: Partial<EntryView> & { id: number }): EntryView => ({
  kind: 'gist',
  level: 0,
  parentId: -1,
  taskId: 0,
  authorId: 1,
  text: '',
  chars: 0,
  seeded: false,
  labels: [],
  reason: null,
  at: 0,
  ...over,
});
const byId = (...entries: EntryView[]) => new Map(entries.map((e) => [e.id, e]));

describe('ledger tree', () => {
  it('lists verified entries newest first, apart from failures, the answer and the seeded sources', () => {
    const run = runOf([
      ...RUN,
      { type: 'commit', at: 600, entryId: 7, kind: 'FAIL', authorId: 2, taskId: 1, text: 'FAIL: tried x' },
      { type: 'commit', at: 601, entryId: 5, kind: 'gist', authorId: 2, taskId: 2, text: 'later' },
    ]);
    const sections = ledgerSections(run);
    expect(sections.committed.map((e) => e.id)).toEqual([7, 5, 1]);
    // A FAIL note is verified (a documented failed attempt), not a rejection.
    expect(sections.failures.map((e) => e.id)).toEqual([2]);
    expect(sections.seeded.map((e) => e.id)).toEqual([0]);
    expect(sections.rejects.map((r) => r.entryId)).toEqual([2]);
    expect(sections.counts).toBe('3 verified entries · 1 rejected · 1 seeded (task, sources)');
    const one = runOf([{ type: 'commit', at: 1, entryId: 0, kind: 'gist', authorId: 1, taskId: 0 }]);
    expect(ledgerSections(one).counts).toBe('1 verified entry · 0 rejected · 0 seeded (task, sources)');
  });

  it('unfolds an entry into its more detailed levels, in order', () => {
    const entries = byId(
      entry({ id: 3, parentId: 2 }),
      entry({ id: 2, parentId: 1, level: 1 }),
      entry({ id: 1, level: 2 }),
    );
    expect(unfoldChain(entries, entries.get(3)!)).toEqual([{ entry: entries.get(2) }, { entry: entries.get(1) }]);
    expect(unfoldChain(entries, entries.get(1)!)).toEqual([]);
  });

  it('names a level the record does not hold, and stops at a cycle instead of looping', () => {
    const missing = byId(entry({ id: 3, parentId: 2 }), entry({ id: 2, parentId: 9 }));
    expect(unfoldChain(missing, missing.get(3)!)).toEqual([{ entry: missing.get(2) }, { missing: 9 }]);
    const cycle = byId(entry({ id: 1, parentId: 2 }), entry({ id: 2, parentId: 1 }));
    expect(unfoldChain(cycle, cycle.get(1)!)).toEqual([{ entry: cycle.get(2) }]);
    const self = byId(entry({ id: 4, parentId: 4 }));
    expect(unfoldChain(self, self.get(4)!)).toEqual([]);
  });

  it('heads an entry with its id, labels, author, task and level, and says how much text was clipped', () => {
    expect(entryHeadText(entry({ id: 4, labels: ['D1', 'D2'], authorId: 2, taskId: 3 }))).toBe(
      ' #4 · [D1, D2] · agent 2 · task #3 · level 0',
    );
    expect(entryHeadText(entry({ id: 0, authorId: 0, taskId: 0, seeded: true, level: 2 }))).toBe(' #0 · level 2');
    expect(entryBodyText(entry({ id: 1, text: 'abc', chars: 1503 }))).toBe('abc (1,500 more characters in the ledger)');
    expect(entryBodyText(entry({ id: 1, text: '', reason: 'no quote' }))).toBe('no quote');
    expect(rejectHeadText({ authorId: 2, taskId: 1, verdict: 'duplicate', reason: 'r', entryId: -1, at: 0 })).toBe(
      'duplicate · agent 2 · task #1',
    );
  });

  it('makes a class name of a kind from letters and underscores only', () => {
    expect(kindClass('PATCH_SUMMARY')).toBe('PATCH_SUMMARY');
    expect(kindClass('x" onclick="y <b>')).toBe('xonclickyb');
  });
});
