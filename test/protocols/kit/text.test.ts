import fc from 'fast-check';
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

  it('prepares a source again when only its normal form was let go (the two caches evict apart)', () => {
    const sources = Array.from({ length: 4 }, (_, i) => `apart ${i} ${long(i)} 7,890`);
    warmSources(sources);
    // Normalising 40 other sources turns over the normal forms only; the number sets stay.
    for (let i = 0; i < 40; i++) normalisedSource(`normal only ${i} ${long(i)}`);
    expect(warmSources(sources.slice(0, 2))).toBe(2);
    expect(warmSources(sources.slice(0, 2))).toBe(0);
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

describe('normaliseForMatch', () => {
  /** The normal form as defined: NFKC, the folds, whitespace runs to one space, trimmed. */
  const reference = (text: string) =>
    text
      .normalize('NFKC')
      .replace(/[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g, "'")
      .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
      .replace(/[\u2010-\u2015\u2212]/g, '-')
      .replace(/\u2026/g, '...')
      .replace(/\s+/g, ' ')
      .trim();
  // Plain ASCII (which the fast path returns as it is) mixed with everything that changes under the rules.
  const pieces = [
    'a',
    'Z',
    '0',
    ' ',
    '  ',
    '`',
    '~',
    '_',
    '\t',
    '\n',
    '\r',
    '\u00a0',
    '\u2019',
    '\u201c',
    '\u2014',
    '\u2026',
    '\ufb01',
    '\uff21',
    '\u00b4',
    '\u2212',
    'é',
    'e\u0301',
    '\u3000',
    '\u007f',
  ];

  it('is the reference normal form for any mix of plain ASCII and text the rules change', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(normaliseForMatch(text)).toBe(reference(text));
        expect(normaliseForMatch(text)).toBe(reference(text)); // and again, from the memo
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        expect(normaliseForMatch(text)).toBe(reference(text));
      }),
    );
  });

  it('returns plain single-spaced ASCII as it is, and normalises long texts (past the memo) the same way', () => {
    const plain = 'The Licensee may redistribute copies, at its option (see 4.2).';
    expect(normaliseForMatch(plain)).toBe(plain);
    const long = `  “Quoted” — ${'word '.repeat(800)}`;
    expect(normaliseForMatch(long)).toBe(reference(long));
  });
});
