/** comlink's ESM build and Node adapter behind one import, so the rest of delm never spells the paths. */
import type { MessagePort } from 'node:worker_threads';
import { expose, proxy, releaseProxy, wrap, type Remote } from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

export { proxy, releaseProxy, type Remote };

/** Serves `api` on a worker_threads MessagePort. */
export function exposeOn(api: object, port: MessagePort): void {
  expose(api, nodeEndpoint(port));
}

/** Wraps a worker_threads MessagePort as a typed remote. */
export function wrapPort<T>(port: MessagePort): Remote<T> {
  return wrap<T>(nodeEndpoint(port));
}
