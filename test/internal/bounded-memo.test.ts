import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../../src/internal/bounded-memo.js';

describe('BoundedMemo', () => {
  it('keeps at most its limit, emptying itself when full, and hands back what it stores', () => {
    const memo = new BoundedMemo<string, number>(2);
    expect(memo.remember('a', 1)).toBe(1);
    expect(memo.remember('b', 0)).toBe(0);
    expect(memo.get('b') ?? memo.remember('b', 9)).toBe(0); // a stored 0 is found, not recomputed
    expect(memo.size).toBe(2);
    memo.remember('c', 3);
    expect([...memo]).toEqual([['c', 3]]);
  });
});
