// Worker bootstrap for TypeScript sources: registers tsx inside this worker thread, then loads the
// module named by workerData.delmEntry and re-exports its default (piscina's task handler).
// Compiled builds point workers at the .js module directly and never load this file.
import { workerData } from 'node:worker_threads';

const entry = workerData?.delmEntry;
if (typeof entry !== 'string') throw new Error('worker-entry.mjs: workerData.delmEntry must name the module to load');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const mod = await import(entry);
export default mod.default;
