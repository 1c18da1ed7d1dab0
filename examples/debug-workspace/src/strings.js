/** Upper-cases the first character of `text`. */
export function capitalize(text) {
  if (text.length === 0) return text;
  return text[0].toUpperCase() + text.slice(1);
}

/** Shortens `text` to at most `max` characters, ending with an ellipsis when it was cut. */
export function truncate(text, max) {
  if (text.length < max) return text;
  return text.slice(0, max - 1) + '…';
}

/** Lower-case, dash-separated form of `text` for use in URLs. */
export function slugify(text) {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Counts the words in `text` (runs of non-space characters). */
export function wordCount(text) {
  const words = text.trim().split(/\s+/);
  return words[0] === '' ? 0 : words.length;
}
