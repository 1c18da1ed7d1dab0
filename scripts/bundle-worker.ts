// Part of `npm run build`: bundles the swarm's worker module over tsc's output, so that every worker
// thread of an installed delm imports one bundle instead of ~290 modules (src/internal/worker-bundle.ts).
// Usage: tsx scripts/bundle-worker.ts [outDir] (outDir as given to tsc, default dist).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { WORKER_MODULE, bundleWorker } from '../src/internal/worker-bundle.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const outDir = resolve(process.argv[2] ?? 'dist');
bundleWorker(esbuild, root, outDir);
console.log(`worker bundle: ${resolve(outDir, `${WORKER_MODULE}.js`)}`);
