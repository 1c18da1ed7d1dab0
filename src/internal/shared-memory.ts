/**
 * Small helpers for growable SharedArrayBuffers and Atomics, shared by the substrate modules.
 * Features that differ between runtimes are detected, never inferred from the Node version: without
 * growable SharedArrayBuffers a buffer is allocated at its maximum size (the OS commits pages only
 * when touched), and without `Atomics.waitAsync` the main thread polls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';

/** Whether this runtime has growable SharedArrayBuffers (`maxByteLength`, `grow`). */
export const HAS_GROWABLE_SAB: boolean = (() => {
  try {
    const probe = new SharedArrayBuffer(1, { maxByteLength: 2 });
    return probe.growable === true && typeof probe.grow === 'function';
  } catch {
    return false;
  }
})();

/** Whether this runtime has `Atomics.waitAsync`. */
export const HAS_WAIT_ASYNC: boolean = typeof (Atomics as { waitAsync?: unknown }).waitAsync === 'function';

/**
 * Creates a SharedArrayBuffer of `initial` bytes that may grow to `max`; where growable buffers are
 * missing (`growable` false), a fixed one of `max` bytes.
 */
export function growableBuffer(initial: number, max: number, growable = HAS_GROWABLE_SAB): SharedArrayBuffer {
  return growable ? new SharedArrayBuffer(Math.min(initial, max), { maxByteLength: max }) : new SharedArrayBuffer(max);
}

/** The most bytes `sab` can ever hold (its length, for a fixed buffer). */
export function maxBytesOf(sab: SharedArrayBuffer): number {
  return sab.growable ? sab.maxByteLength : sab.byteLength;
}

/**
 * Ensures `sab` is at least `needed` bytes long, growing geometrically. Safe when several threads
 * grow the same buffer at once: a grow that loses the race to a larger one is simply ignored.
 * Returns false when `needed` exceeds the buffer's maximum.
 */
export function ensureByteLength(sab: SharedArrayBuffer, needed: number): boolean {
  if (sab.byteLength >= needed) return true;
  if (!sab.growable || needed > sab.maxByteLength) return false;
  const target = Math.min(sab.maxByteLength, Math.max(needed, sab.byteLength * 2));
  try {
    sab.grow(target);
  } catch {
    // Another thread grew it first (grow never shrinks); fall through to the re-check.
  }
  if (sab.byteLength < needed) {
    try {
      sab.grow(needed);
    } catch {
      /* grown concurrently */
    }
  }
  return sab.byteLength >= needed;
}

/** Most bytes {@link prefault} touches in one call by default: beyond it, pages fault on first use as usual. */
export const PREFAULT_MAX_BYTES = 8 << 20;

/**
 * Touches every 4 KiB page of `sab` in [from, to) (at most `maxBytes` of them) so the OS maps
 * them now rather than on a later write: a first touch costs 20–40 µs per page on a VM, which would
 * otherwise land on whichever append first writes there. Each touch is an atomic add of 0, so it never
 * changes a byte another thread may already have written.
 */
export function prefault(
  sab: SharedArrayBuffer,
  from: number,
  to: number = sab.byteLength,
  maxBytes: number = PREFAULT_MAX_BYTES,
): void {
  const end = Math.min(to, sab.byteLength, from + maxBytes);
  if (end <= from) return;
  const words = new Int32Array(sab, 0, end >> 2);
  for (let at = Math.ceil(from / 4096) * 4096; at + 4 <= end; at += 4096) Atomics.add(words, at >> 2, 0);
}

/**
 * Fixed-length views over a growable buffer's current size. V8 takes a slow path (about 4x) for
 * Atomics on length-tracking views of growable buffers, so views are made with an explicit length
 * and remade when the buffer has grown past them.
 */
export const int32View = (sab: SharedArrayBuffer): Int32Array => new Int32Array(sab, 0, sab.byteLength >> 2);
/** Float64 counterpart of {@link int32View}. */
export const float64View = (sab: SharedArrayBuffer): Float64Array => new Float64Array(sab, 0, sab.byteLength >> 3);

/** Atomically raises `view[index]` to at least `value`; returns the value now stored. */
export function atomicMax(view: Int32Array, index: number, value: number): number {
  for (;;) {
    const current = Atomics.load(view, index);
    if (current >= value) return current;
    if (Atomics.compareExchange(view, index, current, value) === current) return value;
  }
}

/** Atomically lowers `view[index]` to at most `value`; returns the value now stored. */
export function atomicMin(view: Int32Array, index: number, value: number): number {
  for (;;) {
    const current = Atomics.load(view, index);
    if (current <= value) return current;
    if (Atomics.compareExchange(view, index, current, value) === current) return value;
  }
}

/** Whether this thread may block in `Atomics.wait` (delm treats the main thread as non-blocking). */
export const canBlock = !isMainThread;

/**
 * Waits on `view[index]` while it equals `expected`, without blocking the thread. Unlike a bare
 * `Atomics.waitAsync`, keeps the event loop alive for the duration (a pending waitAsync does not).
 */
export async function waitAsync(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<'ok' | 'not-equal' | 'timed-out'> {
  if (!HAS_WAIT_ASYNC) return pollingWaitAsync(view, index, expected, timeoutMs);
  const result = Atomics.waitAsync(view, index, expected, timeoutMs);
  if (!result.async) return result.value;
  // Until the wait settles, not until its timeout: V8 times the wait out on a task of its own, which does
  // not keep the loop alive and may run after a timer of the same length (the process then exited, 13).
  const keepAlive = setTimeout(() => {}, 2 ** 31 - 1);
  try {
    return await result.value;
  } finally {
    clearTimeout(keepAlive);
  }
}

/**
 * `waitAsync` for runtimes without `Atomics.waitAsync`: polls with pauses growing from 1 to 16 ms.
 * A change of the word reads as `ok`; a notify that leaves the word as it was is only seen at the
 * timeout, which every caller bounds.
 */
export async function pollingWaitAsync(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<'ok' | 'not-equal' | 'timed-out'> {
  if (Atomics.load(view, index) !== expected) return 'not-equal';
  const deadline = performance.now() + timeoutMs;
  for (let pause = 1; ; pause = Math.min(pause * 2, 16)) {
    const left = deadline - performance.now();
    if (left <= 0) return 'timed-out';
    await sleep(Math.min(pause, left));
    if (Atomics.load(view, index) !== expected) return 'ok';
  }
}
