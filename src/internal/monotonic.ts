/**
 * One clock for every thread of the process. `performance.now()` counts from each thread's own
 * start and `performance.timeOrigin` (wall time then) can be off by a millisecond or more between
 * threads, and `Date.now()` is whole milliseconds that the system may slew: events stamped in a
 * worker and compared with the main thread's time could land before the run started. The process's
 * monotonic clock (`process.hrtime`) is the same in every thread; each thread reads it through
 * `performance.now()` plus an offset taken once, which avoids a BigInt per reading.
 */
const offset = (() => {
  // The first read of `performance` loads it (milliseconds): read once before pairing the two clocks,
  // then keep the pair read closest together (the largest difference, as hrtime is read first).
  performance.now();
  let best = -Infinity;
  for (let i = 0; i < 5; i++) best = Math.max(best, Number(process.hrtime.bigint()) / 1e6 - performance.now());
  return best;
})();

/** Milliseconds (fractional) on the process-wide monotonic clock; only differences between readings mean anything. */
export function monotonicMs(): number {
  return offset + performance.now();
}
