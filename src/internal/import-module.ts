/**
 * Imports a module a user names by path or `file:` URL (a model, protocol or tool module), in any
 * thread: a checkout's `.ts` module through its compiled mirror when this thread runs one, other
 * TypeScript through tsx, registered in this thread the first time it is needed. A module that cannot
 * be loaded is an {@link InvalidConfigError} naming it.
 */
import { InvalidConfigError } from '../errors.js';
import { BoundedMemo } from './bounded-memo.js';
import { compiledModuleUrl } from './compiled-sources.js';
import { moduleUrl } from './module-ref.js';

/** Whether this thread already loads TypeScript (delm's own sources run under tsx). */
const LOADS_TYPESCRIPT = import.meta.url.endsWith('.ts');
let tsx: Promise<void> | undefined;

/** Imports by `ref`, kept: a thread hosting hundreds of agents imports their model module once, not once each. */
const imported = new BoundedMemo<string, Promise<Record<string, unknown>>>(256);

/** Imports `ref` (a path or `file:` URL) and returns its namespace. */
export function importModule(ref: string): Promise<Record<string, unknown>> {
  const kept = imported.get(ref);
  if (kept !== undefined) return kept;
  const namespace = imported.remember(ref, load(ref));
  // A failed import is tried again next time (the file may be fixed or appear meanwhile).
  namespace.catch(() => imported.get(ref) === namespace && imported.delete(ref));
  return namespace;
}

async function load(ref: string): Promise<Record<string, unknown>> {
  const url = moduleUrl(ref);
  try {
    if (/\.[cm]?ts$/.test(url) && !LOADS_TYPESCRIPT) {
      const compiled = compiledModuleUrl(url);
      if (compiled !== undefined) return (await import(compiled)) as Record<string, unknown>;
      await (tsx ??= registerTsx());
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // Node's own message may not name the module (a syntax error's does not): say which one failed.
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidConfigError(`could not load ${url}: ${why}`, [], { cause: error });
  }
}

async function registerTsx(): Promise<void> {
  const { register } = await import('tsx/esm/api');
  register();
}
