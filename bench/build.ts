/**
 * What a bench measures: the compiled build when there is one (`npm run bench` builds first), as the
 * package runs; the TypeScript sources via tsx otherwise. The two differ: tsx keeps function names by
 * redefining `name` on each function it creates, which turns every closure made per call into a
 * dictionary-mode object.
 *
 * Like the CLI, a bench that loads what it measures through here allocates V8's feedback eagerly
 * (src/internal/v8-flags.ts) before it does; `DELM_BENCH_LAZY_FEEDBACK=1` measures with V8's default
 * instead, for comparison.
 */
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = existsSync(new URL('dist/src/index.js', root));

/** Imports `path` (from the project root, `.js` as in the sources: `src/runtime/swarm.js`) from what is measured. */
export function importMeasured<T>(path: string): Promise<T> {
  return import(new URL(built ? `dist/${path}` : path, root).href) as Promise<T>;
}

const eagerFeedback = process.env['DELM_BENCH_LAZY_FEEDBACK'] !== '1';
if (eagerFeedback) {
  type Flags = typeof import('../src/internal/v8-flags.js');
  const { allocateFeedbackEagerly } = await importMeasured<Flags>('src/internal/v8-flags.js');
  allocateFeedbackEagerly();
}

/** What was measured, for a table's notes. */
export const measuredBuild =
  (built ? 'compiled JavaScript' : 'TypeScript sources via tsx') +
  (eagerFeedback ? ', feedback allocated eagerly as in the CLI' : ", V8's lazy feedback allocation");
