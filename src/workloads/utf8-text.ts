import { WorkloadFileError } from './errors.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of a workload file's bytes, refusing bytes that are not UTF-8: decoding them leniently
 * would turn each into U+FFFD in silence, and the run would read documents that differ from the file.
 */
export function utf8Text(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch (err) {
    const at = firstInvalidByte(bytes);
    throw new WorkloadFileError(
      file,
      `is not UTF-8 text (an invalid byte at offset ${at}); save it as UTF-8`,
      {},
      { cause: err },
    );
  }
}

/** Offset of the first byte where `bytes` stops being UTF-8 (binary search on the longest valid prefix). */
function firstInvalidByte(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // A prefix cut inside a valid multi-byte character is itself invalid: widen by up to 3 bytes before judging.
  const validPrefix = (n: number) => {
    for (let k = n; k <= Math.min(bytes.length, n + 3); k++)
      try {
        strict.decode(bytes.subarray(0, k));
        return true;
      } catch {
        /* try a byte more */
      }
    return false;
  };
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (validPrefix(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
