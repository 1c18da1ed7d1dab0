/**
 * A run's clock on the page: the run time the server last reported, moved forward by the wall time
 * since (times the replay speed), frozen once the run finished. The wall time is passed in.
 */

/** Run time `clock` was current at wall time `wall` (ms, the page's `performance.now()`). */
export interface ClockAnchor {
  readonly clock: number;
  readonly wall: number;
}

/** The run time at wall time `wallNow`. */
export function runTime(anchor: ClockAnchor, speed: number, finishedAt: number | null, wallNow: number): number {
  if (finishedAt !== null) return finishedAt;
  const rate = Number.isFinite(speed) && speed > 0 ? speed : 1;
  return anchor.clock + (wallNow - anchor.wall) * rate;
}

/** The anchor after the server reported run time `clock`: moved only forward, never back. */
export function advance(
  anchor: ClockAnchor,
  speed: number,
  finishedAt: number | null,
  clock: number,
  wallNow: number,
): ClockAnchor {
  return clock > runTime(anchor, speed, finishedAt, wallNow) ? { clock, wall: wallNow } : anchor;
}
