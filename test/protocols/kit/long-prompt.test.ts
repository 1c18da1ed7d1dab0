import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LONG_PROMPT_CHARS,
  PROMPT_CHUNK_CHARS,
  promptAsSources,
  sliceText,
} from '../../../src/protocols/kit/long-prompt.js';

describe('promptAsSources', () => {
  it('leaves prompts up to the limit alone', () => {
    expect(promptAsSources('x'.repeat(LONG_PROMPT_CHARS))).toBeUndefined();
  });

  it('turns a long prompt into verbatim sources and a short question that keeps its end and names them', () => {
    const prompt = `${'Background sentence here. '.repeat(800)}So, what is the answer?`;
    const long = promptAsSources(prompt)!;
    expect(long.sources.map((s) => s.text).join('')).toBe(prompt);
    expect(long.sources.every((s) => s.text.length <= PROMPT_CHUNK_CHARS)).toBe(true);
    expect(long.sources.map((s) => s.label)).toEqual(long.sources.map((_, i) => `task.${i + 1}`));
    expect(long.question.length).toBeLessThan(LONG_PROMPT_CHARS);
    expect(long.question).toMatch(/So, what is the answer\?$/);
    expect(long.question).toContain(`sources task.1 to task.${long.sources.length}`);
  });

  it("picks labels the task's own sources do not use", () => {
    expect(promptAsSources('y '.repeat(3_000), ['task.1', 'D1'])!.sources[0]!.label).toBe('task_prompt.1');
  });

  it('slices any text into pieces that join back into it, within the size, never splitting a surrogate pair', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ' ', '.', '\n', '😀', 'é'), maxLength: 3_000 }),
        fc.integer({ min: 2, max: 200 }),
        (text, max) => {
          const pieces = sliceText(text, max);
          expect(pieces.join('')).toBe(text);
          for (const p of pieces) {
            expect(p.length).toBeLessThanOrEqual(max);
            expect(p.isWellFormed()).toBe(true);
          }
        },
      ),
    );
  });

  it('keeps the question valid Unicode when the prompt has no spaces', () => {
    const long = promptAsSources('😀'.repeat(5_000))!;
    expect(long.question.isWellFormed()).toBe(true);
    expect(long.sources.every((s) => s.text.isWellFormed())).toBe(true);
  });
});
