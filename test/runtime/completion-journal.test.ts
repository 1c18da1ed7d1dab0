import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CompletionJournal } from '../../src/runtime/completion-journal.js';

describe('CompletionJournal', () => {
  it('hands the main thread the completions after those its events delivered, from a view of the same memory', () => {
    const main = new CompletionJournal(4);
    const worker = new CompletionJournal(main.buffer);
    worker.write(1, 10, 1.5);
    worker.write(2, 11, 2.5);
    worker.write(1, 12, 3.5);
    expect(main.written).toBe(3);
    expect(main.since(1)).toEqual([
      { agentId: 2, taskId: 11, stampedAt: 2.5 },
      { agentId: 1, taskId: 12, stampedAt: 3.5 },
    ]);
    expect(main.since(3)).toEqual([]);
  });

  it('keeps the newest `capacity` completions of a ring that went round, in order, whatever was delivered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.nat(80), fc.nat(80), (capacity, writes, deliveredRaw) => {
        const journal = new CompletionJournal(capacity);
        for (let i = 0; i < writes; i++) journal.write(i % 7, i, i / 2);
        const delivered = Math.min(deliveredRaw, writes);
        const expected = [];
        for (let i = Math.max(delivered, writes - capacity); i < writes; i++)
          expected.push({ agentId: i % 7, taskId: i, stampedAt: i / 2 });
        expect(journal.since(delivered)).toEqual(expected);
      }),
    );
  });
});
