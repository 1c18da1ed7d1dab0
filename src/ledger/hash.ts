/** 32-bit FNV-1a over `bytes[start, end)`, as an unsigned integer. */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a of a string's UTF-8 bytes. */
export function fnv1aText(text: string): number {
  return fnv1a(Buffer.from(text, 'utf8'));
}
