import { describe, expect, it } from 'vitest';
import { normaliseForMatch, normalisedSource, occursVerbatim } from '../../../src/protocols/kit/text.js';

describe('normalised sources', () => {
  const long = (i: number) =>
    `Doc ${i}: “The Licensee” may — at its option —\n  redistribute… ${'padding text. '.repeat(60)}`;

  it('is normaliseForMatch, for short and long sources, however many sources go through it', () => {
    for (let i = 0; i < 80; i++) expect(normalisedSource(long(i))).toBe(normaliseForMatch(long(i)));
    expect(normalisedSource('short “text”')).toBe(normaliseForMatch('short “text”'));
    // An early source still normalises right after the cache has turned over.
    expect(normalisedSource(long(0))).toBe(normaliseForMatch(long(0)));
  });

  it('finds quotes typed with plain quotes and dashes in a long typographic source, and not absent ones', () => {
    const source = long(7);
    expect(occursVerbatim('"The Licensee" may - at its option - redistribute...', source)).toBe(true);
    expect(occursVerbatim('"The Licensee" must redistribute', source)).toBe(false);
  });
});
