import { describe, expect, it } from 'vitest';
import {
  locateVerbatim,
  normaliseForMatch,
  normalisedSource,
  numbersIn,
  numbersInSource,
  occursVerbatim,
  occursVerbatimAt,
  warmSources,
} from '../../../src/protocols/kit/text.js';

describe('normalised sources', () => {
  const long = (i: number) =>
    `Doc ${i}: “The Licensee” may — at its option —\n  redistribute… ${'padding text. '.repeat(60)}`;

  it('is normaliseForMatch, for short and long sources, however many sources go through it', () => {
    for (let i = 0; i < 80; i++) expect(normalisedSource(long(i))).toBe(normaliseForMatch(long(i)));
    expect(normalisedSource('short “text”')).toBe(normaliseForMatch('short “text”'));
    // An early source still normalises right after the cache has turned over.
    expect(normalisedSource(long(0))).toBe(normaliseForMatch(long(0)));
  });

  it('prepares the caches of long sources once, and again only for those the cache has let go', () => {
    const sources = Array.from({ length: 8 }, (_, i) => `warm ${i} ${long(i)} 1,234 and 56%`);
    expect(warmSources([...sources, 'too short to cache'])).toBe(8);
    expect(warmSources(sources)).toBe(0);
    expect(numbersInSource(sources[2]!)).toEqual(new Set(numbersIn(sources[2]!)));
    // 40 other sources turn the cache over: the first ones are prepared afresh.
    warmSources(Array.from({ length: 40 }, (_, i) => `other ${i} ${long(i)}`));
    expect(warmSources(sources.slice(0, 2))).toBe(2);
  });

  it('finds quotes typed with plain quotes and dashes in a long typographic source, and not absent ones', () => {
    const source = long(7);
    expect(occursVerbatim('"The Licensee" may - at its option - redistribute...', source)).toBe(true);
    expect(occursVerbatim('"The Licensee" must redistribute', source)).toBe(false);
  });

  it('locates a quote in the normal form, and confirms it at that offset only', () => {
    const source = long(3);
    const quote = '"The Licensee" may - at its option - redistribute...';
    const at = locateVerbatim(quote, source);
    expect(at).toBe(normalisedSource(source).indexOf(normaliseForMatch(quote)));
    expect(at).toBeGreaterThan(0);
    expect(occursVerbatimAt(quote, source, at)).toBe(true);
    expect(occursVerbatimAt(quote, source, at + 1)).toBe(false);
    expect(occursVerbatimAt(quote, source, -1)).toBe(false);
    expect(locateVerbatim('not in it at all', source)).toBe(-1);
    expect(occursVerbatimAt('', source, 0)).toBe(false);
  });

  it("keeps a source's numbers as numbersIn reads them, for short and long sources", () => {
    const short = 'It costs 1,000.50 dollars, up 3%.';
    const longer = `${short} ${'filler words here. '.repeat(40)} Section D2 says 42.`;
    for (const text of [short, longer, longer])
      expect([...numbersInSource(text)].sort()).toEqual([...new Set(numbersIn(text))].sort());
  });
});
