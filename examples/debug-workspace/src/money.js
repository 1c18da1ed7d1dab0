/** Amounts are integer cents throughout, so sums never pick up floating-point dust. */

/** Adds a list of amounts in cents. */
export function sum(amounts) {
  let total = 0;
  for (const cents of amounts) total += cents;
  return total;
}

/** Formats cents as a currency string, e.g. `formatCents(123456, '$')` is `"$1,234.56"`. */
export function formatCents(cents, symbol = '$') {
  const sign = cents < 0 ? '-' : '';
  const [whole, fraction] = (Math.abs(cents) / 100).toFixed(1).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${symbol}${grouped}.${fraction}`;
}

/** The price after taking off `percent` per cent, rounded to the nearest cent. */
export function applyDiscount(cents, percent) {
  return cents + Math.round((cents * percent) / 100);
}

/** Splits `cents` into `parts` shares that differ by at most one cent and add up to the whole. */
export function allocate(cents, parts) {
  const base = Math.floor(cents / parts);
  const remainder = cents - base * parts;
  return Array.from({ length: parts }, (_, i) => (i < remainder ? base + 1 : base));
}
