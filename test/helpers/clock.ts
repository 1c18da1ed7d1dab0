/** Helpers for tests that run shared-memory structures on a ManualClock. */
import { MANUAL_POLL_MS } from '../../src/internal/clock.js';

/**
 * True while `promise` is still pending after a few polls of a manual clock (waiters re-read it every
 * MANUAL_POLL_MS). On a clock that has not reached a deadline, a correct waiter is pending however
 * slow the machine; only a wrong one can have settled.
 */
export async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, MANUAL_POLL_MS));
  return !settled;
}
