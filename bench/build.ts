/**
 * What a bench measures: the compiled build when there is one (`npm run bench` builds first), as the
 * package runs; the TypeScript sources via tsx otherwise. The two differ: tsx keeps function names by
 * redefining `name` on each function it creates, which turns every closure made per call into a
 * dictionary-mode object.
 */
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = existsSync(new URL('dist/src/index.js', root));

/** What was measured, for a table's notes. */
export const measuredBuild = built ? 'compiled JavaScript' : 'TypeScript sources via tsx';

/** Imports `path` (from the project root, `.js` as in the sources: `src/runtime/swarm.js`) from what is measured. */
export function importMeasured<T>(path: string): Promise<T> {
  return import(new URL(built ? `dist/${path}` : path, root).href) as Promise<T>;
}
