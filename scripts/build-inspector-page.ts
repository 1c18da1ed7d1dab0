// Part of `npm run build`: bundles the inspector page's script into the compiled package, so that
// an installed delm serves it without esbuild. Usage: tsx scripts/build-inspector-page.ts [outDir]
// (outDir as given to tsc, default dist).
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APP_BUNDLE_FILE, bundleAppScript } from '../src/inspector/page/bundle.js';

const outDir = resolve(process.argv[2] ?? 'dist');
const dir = join(outDir, 'src', 'inspector', 'page');
const script = await bundleAppScript();
await mkdir(dir, { recursive: true });
await writeFile(join(dir, APP_BUNDLE_FILE), script);
console.log(`inspector page: ${join(dir, APP_BUNDLE_FILE)} (${(Buffer.byteLength(script) / 1024).toFixed(1)} KiB)`);
