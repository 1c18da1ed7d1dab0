/**
 * Time for the shared-memory structures (queue leases, channel abandonment, rate limits). Each
 * reads the real clock unless it was created with a {@link ManualClock}: a time that lives in
 * shared memory and moves only when told to, so every thread attached to the structure reads the
 * same simulated time and a test decides when a lease expires instead of the scheduler.
 */
import { z } from 'zod';
import { DelmError } from '../errors.js';

/** Structured-cloneable handle of a {@link ManualClock}; structures carry it in their own handle. */
export interface ClockHandle {
  readonly kind: 'delm.clock';
  readonly buffer: SharedArrayBuffer;
}

const MAGIC = 0x636c_6f63n; // "cloc"
/** BigInt64 words: [0] magic, [1] µs since the clock's origin. */
const W = { MAGIC: 0, NOW_US: 1 } as const;

/**
 * Longest real sleep of a wait whose deadline is on a manual clock: time only moves when another
 * thread advances it, so waiters re-read it this often instead of sleeping out the simulated wait.
 */
export const MANUAL_POLL_MS = 2;

/** A clock in shared memory that stands still until `advance` or `set`; readable from any thread. */
export class ManualClock {
  readonly handle: ClockHandle;
  private readonly w: BigInt64Array;

  private constructor(handle: ClockHandle) {
    if (
      handle?.kind !== 'delm.clock' ||
      !(handle.buffer instanceof SharedArrayBuffer) ||
      handle.buffer.byteLength < 16
    ) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm clock handle');
    }
    this.handle = handle;
    this.w = new BigInt64Array(handle.buffer, 0, 2);
    if (this.w[W.MAGIC] !== MAGIC) throw new DelmError('INVALID_ARGUMENT', 'not a delm clock handle (bad magic)');
  }

  /** A new clock reading `startMs`. */
  static create(startMs = 0): ManualClock {
    const buffer = new SharedArrayBuffer(16);
    const w = new BigInt64Array(buffer);
    w[W.MAGIC] = MAGIC;
    w[W.NOW_US] = toUs(startMs, 'startMs');
    return new ManualClock({ kind: 'delm.clock', buffer });
  }

  /** Opens a clock created elsewhere (another thread) from its handle. */
  static attach(handle: ClockHandle): ManualClock {
    return new ManualClock(handle);
  }

  /** The time in ms (µs resolution). */
  now(): number {
    return Number(Atomics.load(this.w, W.NOW_US)) / 1000;
  }

  /** The time in µs. */
  nowUs(): bigint {
    return Atomics.load(this.w, W.NOW_US);
  }

  /** Moves the time forward by `ms` (≥ 0; fractions down to a µs). */
  advance(ms: number): void {
    Atomics.add(this.w, W.NOW_US, toUs(ms, 'ms'));
  }

  /** Moves the time to `ms`; throws INVALID_ARGUMENT if that is in the past. */
  set(ms: number): void {
    const target = toUs(ms, 'ms');
    for (;;) {
      const current = Atomics.load(this.w, W.NOW_US);
      if (target < current)
        throw new DelmError(
          'INVALID_ARGUMENT',
          `a clock cannot go back in time (from ${Number(current) / 1000} ms to ${ms} ms)`,
        );
      if (Atomics.compareExchange(this.w, W.NOW_US, current, target) === current) return;
    }
  }
}

/** Schema of the `clock` option of the shared structures. */
export const ManualClockSchema = z.custom<ManualClock>((v) => v instanceof ManualClock, 'must be a ManualClock');

function toUs(ms: number, name: string): bigint {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new DelmError('INVALID_ARGUMENT', `${name} must be a finite number ≥ 0, got ${String(ms)}`);
  return BigInt(Math.round(ms * 1000));
}

/** Whole ms on a structure's clock: its manual clock if its handle names one, else `Date.now`. */
export function msClock(handle: ClockHandle | undefined): () => number {
  if (handle === undefined) return Date.now;
  const clock = ManualClock.attach(handle);
  return () => Math.floor(clock.now());
}
