/**
 * Linking a caller's abort signal to a controller of our own. `AbortSignal.any` would do it, but on
 * Node 20 it holds its sources weakly: a caller's `AbortSignal.timeout(ms)` that nothing else
 * references can be collected before its timer fires, and the run then never sees its deadline
 * (nodejs/node#57736). Each composite also leaves a listener on a long-lived source until it is
 * collected. This link holds the source until it is undone, and undoing it removes its listener.
 *
 * One signal often stops many runs (a service's shutdown signal): each source gets one listener,
 * which aborts every controller linked to it, not one listener per link (past ten, Node warns of a
 * possible leak).
 */

/** The links of a source, and the one listener that serves them. */
interface Links {
  readonly controllers: Set<AbortController>;
  readonly listener: () => void;
}
const linksOf = new WeakMap<AbortSignal, Links>();

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
  let links = linksOf.get(source);
  if (links === undefined) {
    const controllers = new Set<AbortController>();
    const listener = () => {
      linksOf.delete(source);
      for (const linked of controllers) linked.abort(source.reason);
    };
    links = { controllers, listener };
    linksOf.set(source, links);
    source.addEventListener('abort', listener, { once: true });
  }
  const own = links;
  own.controllers.add(controller);
  return () => {
    if (!own.controllers.delete(controller) || own.controllers.size > 0) return;
    source.removeEventListener('abort', own.listener);
    if (linksOf.get(source) === own) linksOf.delete(source);
  };
}
