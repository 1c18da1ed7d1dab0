import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_HASH_VERSION,
  contentHash,
  contentHashOfText,
  contentHashOfView,
  contentHashV1,
} from '../../src/internal/hash.js';

const RECORD = 'x'.repeat(1000) + 'αβγ🧪';
/** Version 2 values, pinned when version 2 was introduced. */
const RECORD_V2 = 3040999160;
const SUMMARY_V2 = 652603995;

describe('contentHash', () => {
  it('keeps its known values, so a change of the hash cannot pass unnoticed (bump the dump version instead)', () => {
    expect(CONTENT_HASH_VERSION).toBe(2);
    // Version 1 values as main wrote them before version 2 (00d9151): dumps of that format must still load.
    expect(contentHashOfText('D1 grants rights [D1].', 1)).toBe(1084176094);
    expect(contentHashOfText('- Grants rights.\n- Keeps notices.', 1)).toBe(2110843251);
    expect(contentHashOfText('', 1)).toBe(1572119809);
    expect(contentHashOfText(RECORD, 1)).toBe(898399302);
    expect(contentHashOfText(RECORD, 2)).toBe(RECORD_V2);
    expect(contentHashOfText('- Grants rights.\n- Keeps notices.')).toBe(SUMMARY_V2);
  });

  it('hashes inputs under 16 bytes as version 1 did, and longer ones differently', () => {
    for (const text of ['', 'a', 'abc', 'D1 grants [D1]', 'αβγ🧪', '0123456789abcde'])
      expect(contentHashOfText(text)).toBe(contentHashOfText(text, 1));
    expect(contentHashOfText(RECORD)).not.toBe(contentHashOfText(RECORD, 1));
  });

  it('gives the same value through a DataView as over the bytes, at any offset and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.nat(7), (data, pad, cut) => {
        // Copied at an unaligned offset into a larger shared buffer, as ledger entries sit in the arena.
        const sab = new SharedArrayBuffer(pad + data.length + 8);
        const bytes = new Uint8Array(sab);
        bytes.set(data, pad);
        const end = pad + Math.max(0, data.length - cut);
        const expected = contentHash(data, 0, end - pad);
        expect(contentHash(bytes, pad, end)).toBe(expected);
        expect(contentHashOfView(new DataView(sab), bytes, pad, end)).toBe(expected);
        expect(contentHash(bytes.subarray(pad, end))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('changes when any one byte changes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (data, at, flip) => {
          const edited = Uint8Array.from(data);
          edited[at % data.length] = edited[at % data.length]! ^ flip;
          // Every step is a bijection of the state for a fixed input, so one changed word always shows.
          expect(contentHash(edited)).not.toBe(contentHash(data));
          expect(contentHashV1(edited)).not.toBe(contentHashV1(data));
        },
      ),
      { numRuns: 300 },
    );
  });
});
