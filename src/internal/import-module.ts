/**
 * Imports a module a user names by path or `file:` URL (a model, protocol or tool module), in any
 * thread: a checkout's `.ts` module through its compiled mirror when this thread runs one, other
 * TypeScript through tsx, registered in this thread the first time it is needed.
 */
import { pathToFileURL } from 'node:url';
import { compiledModuleUrl } from './compiled-sources.js';

/** Whether this thread already loads TypeScript (delm's own sources run under tsx). */
const LOADS_TYPESCRIPT = import.meta.url.endsWith('.ts');
let tsx: Promise<void> | undefined;

/** Imports `ref` (a path or `file:` URL) and returns its namespace. */
export async function importModule(ref: string): Promise<Record<string, unknown>> {
  const url = ref.startsWith('file:') ? ref : pathToFileURL(ref).href;
  if (/\.[cm]?ts$/.test(url) && !LOADS_TYPESCRIPT) {
    const compiled = compiledModuleUrl(url);
    if (compiled !== undefined) return (await import(compiled)) as Record<string, unknown>;
    await (tsx ??= registerTsx());
  }
  return (await import(url)) as Record<string, unknown>;
}

async function registerTsx(): Promise<void> {
  const { register } = await import('tsx/esm/api');
  register();
}
