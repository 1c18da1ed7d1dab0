/** Splits `items` into consecutive groups of `size` (the last group may be shorter). */
export function chunk(items, size) {
  const groups = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}

function compare(a, b) {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** A new array of `items` sorted ascending by `key(item)`; the input is left untouched. */
export function sortBy(items, key) {
  return [...items].sort((a, b) => compare(key(b), key(a)));
}

/** The distinct values of `items`, in first-seen order. */
export function unique(items) {
  return [...new Set(items)];
}

/** Groups `items` into an object keyed by `key(item)`. */
export function groupBy(items, key) {
  const groups = {};
  for (const item of items) {
    const k = key(item);
    (groups[k] ??= []).push(item);
  }
  return groups;
}
