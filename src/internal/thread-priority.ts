/**
 * The scheduling priority of the calling thread. On Linux each thread has a nice value of its own
 * (`setpriority` on the thread's id), so a worker can yield the CPU to another thread of the process
 * without changing anyone else: agent threads run a few notches below the verifier's, so a proposal
 * that wakes the single writer is decided then, not after the agents' next time slices, when every
 * core is busy. Raising a nice value is always permitted; lowering one is not without privileges, so
 * a thread only ever moves down. Elsewhere (no `/proc/thread-self`) nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The calling thread's id (Linux), or undefined where threads have no id of their own to schedule by. */
function threadTid(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Nice values run from -20 (most favoured) to 19 (least). */
const LEAST_FAVOURED = 19;

/**
 * Schedules the calling thread `by` notches below the process (its nice value: the process's plus
 * `by`, at most 19). Returns the thread's nice value afterwards, or undefined when threads cannot be
 * told apart here (not Linux) or the change was refused. A thread already that low (a pooled worker
 * running its next task) is left as it is.
 */
export function lowerThreadPriority(by: number): number | undefined {
  const tid = threadTid();
  if (tid === undefined) return undefined;
  try {
    const target = Math.min(LEAST_FAVOURED, getPriority(process.pid) + Math.max(0, Math.trunc(by)));
    if (getPriority(tid) < target) setPriority(tid, target);
    return getPriority(tid);
  } catch {
    return undefined;
  }
}

/** The calling thread's nice value (Linux), or undefined where it has none of its own. */
export function threadPriority(): number | undefined {
  const tid = threadTid();
  if (tid === undefined) return undefined;
  try {
    return getPriority(tid);
  } catch {
    return undefined;
  }
}
