import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenizerRanks } from '../../src/providers/tokenizer.js';
import { asciiSplits, nextAsciiPiece, O200K_SPLIT_PATTERN } from '../../src/tokenizer/ascii-split.js';

const split = new RegExp(O200K_SPLIT_PATTERN, 'gu');
const byPattern = (text: string) => Array.from(text.matchAll(split), (m) => m[0]);
function byScanner(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length;) {
    const end = nextAsciiPiece(text, start);
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

describe('the ASCII split of o200k_base', () => {
  it('is the split pattern of the shipped rank table', () => {
    expect(tokenizerRanks().pattern).toBe(O200K_SPLIT_PATTERN);
  });

  it('finds the pieces the regular expression finds, on text made of the characters each alternative turns on (property)', () => {
    // Both cases of each contraction letter, each kind of whitespace, '/', and the control characters at the class edges.
    const chars = [...'aAzZsStTrReEvVlLmMdD09 \t\n\r\v\f\'/.!-_"', '\x00', '\x1c', '\x1f', '\x7f'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        expect(byScanner(text)).toEqual(byPattern(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('finds the same pieces on any ASCII text (property) and on the README and the sample documents', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
        (text) => {
          expect(byScanner(text)).toEqual(byPattern(text));
        },
      ),
      { numRuns: 5_000 },
    );
    const documents = JSON.parse(
      readFileSync(new URL('../../examples/multidoc/data.json', import.meta.url), 'utf8'),
    ) as Array<{
      context: string;
    }>;
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/[\u0080-\uffff]/g, '?');
    for (const text of [readme, ...documents.map((d) => d.context)]) {
      expect(asciiSplits(O200K_SPLIT_PATTERN, text)).toBe(true);
      expect(byScanner(text)).toEqual(byPattern(text));
    }
  });

  it('is used only for o200k_base on text without characters from U+0080 on', () => {
    expect(asciiSplits(O200K_SPLIT_PATTERN, 'plain text\n')).toBe(true);
    expect(asciiSplits(O200K_SPLIT_PATTERN, 'naïve')).toBe(false);
    expect(asciiSplits(O200K_SPLIT_PATTERN, 'a\u00a0b')).toBe(false);
    expect(asciiSplits('\\S+|\\s+', 'plain text')).toBe(false);
  });
});
