import { describe, expect, it } from 'vitest';
import {
  extractAnswer,
  formatQuestion,
  lengthClass,
  scoreItems,
  type ItemResult,
} from '../../src/workloads/longbench.js';

describe('extractAnswer (LongBench-v2 rule)', () => {
  it.each([
    ['The correct answer is (B)', 'B'],
    ['Reasoning…\nThe correct answer is (D).', 'D'],
    ['**The correct answer is (A)**', 'A'],
    ['The correct answer is **(C)**', 'C'],
    ['The correct answer is C because …', 'C'],
    ['The correct answer is (A). Wait, The correct answer is (B)', 'A'],
    ['The correct answer is B, no: The correct answer is (C)', 'C'],
  ])('%j → %s', (text, letter) => {
    expect(extractAnswer(text)).toBe(letter);
  });

  it.each([
    'The answer is (B)',
    'the correct answer is (B)',
    'The correct answer is (E)',
    'The correct answer is (b)',
    'B',
    '',
  ])('returns null for %j', (text) => {
    expect(extractAnswer(text)).toBeNull();
  });
});

describe('scoreItems', () => {
  const r = (
    answer: 'A' | 'B',
    predicted: 'A' | 'B' | null,
    difficulty: 'easy' | 'hard',
    length: 'short' | 'medium' | 'long',
  ): ItemResult => ({
    item: { _id: `${answer}${predicted}${difficulty}${length}`, answer, difficulty, length },
    predicted,
  });

  it('gives accuracy overall, by difficulty and by length, counting no answer as wrong', () => {
    const s = scoreItems([
      r('A', 'A', 'easy', 'short'),
      r('B', 'A', 'hard', 'short'),
      r('A', null, 'hard', 'long'),
      r('B', 'B', 'hard', 'long'),
    ]);
    expect(s.overall).toEqual({ correct: 2, total: 4, accuracy: 50 });
    expect(s.byDifficulty.easy).toEqual({ correct: 1, total: 1, accuracy: 100 });
    expect(s.byDifficulty.hard.correct).toBe(1);
    expect(s.byDifficulty.hard.accuracy).toBeCloseTo(33.333, 2);
    expect(s.byLength.short).toEqual({ correct: 1, total: 2, accuracy: 50 });
    expect(s.byLength.medium).toEqual({ correct: 0, total: 0, accuracy: null });
    expect(s.byLength.long).toEqual({ correct: 1, total: 2, accuracy: 50 });
    expect(s.unanswered).toBe(1);
  });

  it('scores an empty run as no accuracy rather than zero', () => {
    expect(scoreItems([]).overall).toEqual({ correct: 0, total: 0, accuracy: null });
  });
});

describe('formatQuestion and lengthClass', () => {
  it('asks for the answer in the format extractAnswer reads', () => {
    const text = formatQuestion({ question: 'Q?', choice_A: 'a', choice_B: 'b', choice_C: 'c', choice_D: 'd' });
    expect(text).toContain('(C) c');
    expect(text).toContain('"The correct answer is (insert answer here)"');
  });

  it('uses LongBench-v2 word-count bounds', () => {
    expect([lengthClass(31_999), lengthClass(32_000), lengthClass(127_999), lengthClass(128_000)]).toEqual([
      'short',
      'medium',
      'medium',
      'long',
    ]);
  });
});
