/**
 * o200k_base's split of ASCII text without its regular expression. The pattern's Unicode property
 * classes make V8's regular expression engine spend ~170 ns per piece on English text; this scanner
 * finds the same pieces about four times faster, and prompts, documents and code are mostly ASCII.
 * Text with any character from U+0080 on keeps the regular expression (see `asciiSplits`).
 *
 * On ASCII the pattern's alternatives, tried in order at each position, reduce to:
 * 1. and 2. an optional prefix (a character that is not CR, LF, a letter or a digit), uppercase
 *    letters, lowercase letters (at least one letter in all), then an optional `'s 't 're 've 'm 'll
 *    'd` in any case;
 * 3. one to three digits;
 * 4. an optional space, one or more characters that are not whitespace, letters or digits, then any
 *    CRs, LFs and `/`;
 * 5. a run of whitespace holding a CR or LF: up to its last CR or LF;
 * 6. and 7. a run of whitespace: all of it at the end of the text, all but its last character before
 *    anything else when it has two or more, else the one character.
 * test/tokenizer/ascii-split.test.ts checks the split against the regular expression's.
 */

/** o200k_base's split pattern, the one {@link nextAsciiPiece} implements. */
export const O200K_SPLIT_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Character classes of the split; 0 past the end of the text. */
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const BREAK = 4; // CR, LF
const SPACE = 5; // tab, vertical tab, form feed, space
const OTHER = 6; // punctuation, symbols, other control characters

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++)
  CLASS[c] =
    c >= 65 && c <= 90
      ? UPPER
      : c >= 97 && c <= 122
        ? LOWER
        : c >= 48 && c <= 57
          ? DIGIT
          : c === 10 || c === 13
            ? BREAK
            : c === 32 || (c >= 9 && c <= 12)
              ? SPACE
              : OTHER;

const NON_ASCII = /[\u0080-\uffff]/;

/** Whether {@link nextAsciiPiece} splits `text` as `pattern` does: o200k_base's pattern, on ASCII text. */
export function asciiSplits(pattern: string, text: string): boolean {
  return pattern === O200K_SPLIT_PATTERN && !NON_ASCII.test(text);
}

/** The end of the piece of ASCII `text` that starts at `start` (< `text.length`). */
export function nextAsciiPiece(text: string, start: number): number {
  const n = text.length;
  const at = (i: number) => (i < n ? CLASS[text.charCodeAt(i)]! : 0);
  const first = at(start);
  const letters = first === SPACE || first === OTHER ? start + 1 : start;
  let end = letters;
  while (at(end) === UPPER) end++;
  while (at(end) === LOWER) end++;
  if (end > letters) return end + contraction(text, end);
  if (first === DIGIT) {
    end = start + 1;
    while (end < start + 3 && at(end) === DIGIT) end++;
    return end;
  }
  const symbols = text.charCodeAt(start) === 32 ? start + 1 : start;
  if (at(symbols) === OTHER) {
    end = symbols + 1;
    while (at(end) === OTHER) end++;
    while (at(end) === BREAK || (end < n && text.charCodeAt(end) === 47)) end++;
    return end;
  }
  // A run of whitespace.
  let lastBreak = -1;
  for (end = start; at(end) === SPACE || at(end) === BREAK; end++) if (at(end) === BREAK) lastBreak = end;
  if (lastBreak >= 0) return lastBreak + 1;
  return end < n && end - start >= 2 ? end - 1 : end;
}

/** Length of the contraction (`'s`, `'RE`, …) at `at`, or 0. */
function contraction(text: string, at: number): number {
  if (text.charCodeAt(at) !== 39 || at + 1 >= text.length) return 0;
  const a = text.charCodeAt(at + 1) | 0x20; // lower case
  if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return 2; // s t m d
  const b = at + 2 < text.length ? text.charCodeAt(at + 2) | 0x20 : 0;
  return (a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c) ? 3 : 0; // re ve ll
}
