/** A tiny query-string parser and serializer (`a=1&b=two+words`). */

function decode(part) {
  return decodeURIComponent(part.replace(/\+/g, ' '));
}

/** Parses `a=1&b=2` into `{ a: '1', b: '2' }`; a repeated key collects its values in an array. */
export function parseQuery(query) {
  const result = {};
  const text = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    if (key in result) {
      const prev = result[key];
      result[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** Serializes an object into a query string, repeating the key for array values. */
export function stringifyQuery(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.join('&');
}

const FALSE_WORDS = ['0', 'false', 'no', 'off', ''];

/** Reads a query flag: anything but `0`, `false`, `no`, `off` or empty counts as true. */
export function isTruthyFlag(value) {
  return FALSE_WORDS.includes(String(value).trim().toLowerCase());
}
