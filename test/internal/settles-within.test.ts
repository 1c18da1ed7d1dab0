import { describe, expect, it } from 'vitest';
import { settlesWithin } from '../../src/internal/settles-within.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failAfter = (ms: number, error: Error) => new Promise((_, reject) => setTimeout(() => reject(error), ms));

describe('settlesWithin', () => {
  it('is true for a promise that fulfils in time, false for one that does not', async () => {
    expect(await settlesWithin(after(5, 'x'), 1_000)).toBe(true);
    expect(await settlesWithin(new Promise(() => {}), 20)).toBe(false);
  });

  it('rejects with the error of a promise that rejects in time, and leaves a late rejection handled', async () => {
    await expect(settlesWithin(failAfter(5, new Error('refused')), 1_000)).rejects.toThrow('refused');
    expect(await settlesWithin(failAfter(50, new Error('late')), 10)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 80)); // an unhandled rejection would fail the test file
  });
});
