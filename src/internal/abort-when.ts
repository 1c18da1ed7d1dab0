/**
 * Linking a caller's abort signal to a controller of our own. `AbortSignal.any` would do it, but on
 * Node 20 it holds its sources weakly: a caller's `AbortSignal.timeout(ms)` that nothing else
 * references can be collected before its timer fires, and the run then never sees its deadline
 * (nodejs/node#57736). Each composite also leaves a listener on a long-lived source until it is
 * collected. This link holds the source until it is undone, and undoing it removes its listener.
 */

/**
 * Aborts `controller` with `source`'s reason when `source` aborts (at once if it already has).
 * Returns the undo: keep it reachable for as long as the link must hold, and call it when done.
 */
export function abortWhen(source: AbortSignal | undefined, controller: AbortController): () => void {
  if (source === undefined) return () => {};
  if (source.aborted) {
    controller.abort(source.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(source.reason);
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}
