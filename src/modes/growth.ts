/** How a cost grows with the number of sub-tasks: a least-squares fit of `y = c · n^k` on log-log axes. */

/** A fitted power law: `exponent` k, `coefficient` c, and the fit's R² on the log scale. */
export interface PowerLawFit {
  readonly exponent: number;
  readonly coefficient: number;
  readonly r2: number;
}

/** Fits `y = c · x^k` to points with positive x and y; needs at least two distinct x. */
export function fitPowerLaw(points: ReadonlyArray<{ readonly x: number; readonly y: number }>): PowerLawFit {
  const logs = points.filter((p) => p.x > 0 && p.y > 0).map((p) => ({ x: Math.log(p.x), y: Math.log(p.y) }));
  const n = logs.length;
  const mx = logs.reduce((a, p) => a + p.x, 0) / n;
  const my = logs.reduce((a, p) => a + p.y, 0) / n;
  const sxx = logs.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  if (n < 2 || sxx === 0)
    throw new RangeError('fitting a growth exponent needs at least two different sub-task counts');
  const sxy = logs.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  const ssTot = logs.reduce((a, p) => a + (p.y - my) ** 2, 0);
  const ssRes = logs.reduce((a, p) => a + (p.y - (intercept + exponent * p.x)) ** 2, 0);
  return { exponent, coefficient: Math.exp(intercept), r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}
