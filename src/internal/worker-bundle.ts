/**
 * The swarm's worker module as one bundle: `actors/swarm-worker` with delm's own modules, zod, xstate
 * and immer in it, and what loads on demand (a protocol, the Redis substrate, tools) in chunks beside
 * it. On Node 20 a worker thread's start is ~90 % the ESM loader resolving, reading and linking
 * ~290 files one by one (zod alone is 95), once per thread: bundled, a worker imports its module in
 * ~95 ms instead of ~155 ms, and with ~90 ms less CPU (2-core VM). Packages that find files of their
 * own at run time (pino's transports, js-tiktoken's ranks, piscina) or are large and loaded on
 * demand (the provider SDKs, Redis, MCP) stay external, resolved from `node_modules` as before.
 *
 * Built into `dist` by `npm run build` and into a checkout's worker mirror (compiled-sources.ts).
 * User modules that import delm (a custom model throwing `ProviderError`) load delm's unbundled
 * modules beside the bundle; delm's errors are recognised across the two copies (see `DelmError`).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The worker module, from the project root without extension. */
export const WORKER_MODULE = 'actors/swarm-worker';
/** Packages bundled with delm's own modules: many small files each, no files of their own read at run time. */
const BUNDLED = new Set(['zod', 'xstate', 'immer']);

/**
 * Bundles {@link WORKER_MODULE} of the project at `root` into `outdir` as `actors/swarm-worker.js`,
 * its chunks under `actors/chunks/`. Replaces what is there. With `sourcemap` (a checkout's worker mirror, whose
 * maps point at sources that are there) each file gets a linked source map; the package ships none: its maps
 * would point at sources it does not ship.
 */
export function bundleWorker(
  esbuild: Pick<typeof import('esbuild'), 'buildSync'>,
  root: string,
  outdir: string,
  { sourcemap = false }: { sourcemap?: boolean } = {},
): void {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const names = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'].flatMap((field) =>
    Object.keys((pkg[field] as Record<string, string> | undefined) ?? {}),
  );
  const external = names.filter((name) => !BUNDLED.has(name)).flatMap((name) => [name, `${name}/*`]);
  // Chunks are named by content hash: an earlier build's would otherwise pile up.
  rmSync(join(outdir, 'actors', 'chunks'), { recursive: true, force: true });
  esbuild.buildSync({
    entryPoints: { [WORKER_MODULE]: join(root, `${WORKER_MODULE}.ts`) },
    outdir,
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    chunkNames: 'actors/chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    sourcemap: sourcemap ? 'linked' : false,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
}
