/**
 * Calling a caller's event listener (`onEvent`). A listener is the caller's code, and what it throws
 * must not change the run it listens to: before, the same mistake failed the run (thrown on
 * `run.started`), went unnoticed (`queue.snapshot`), or left the run never resolving
 * (`run.finished`), depending on the event. The error is reported as Node reports a throwing
 * EventTarget listener: as an uncaught exception, once the event has been delivered.
 */

/** Calls `listener` with `event`; an error it throws is rethrown on the next tick, outside the run. */
export function callListener<E>(listener: ((event: E) => void) | undefined, event: E): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
