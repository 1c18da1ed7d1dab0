/**
 * Worker threads started from a checkout run delm's TypeScript compiled once into a mirror of the tree
 * under `node_modules/.cache/delm/workers/<stamp>/`, instead of registering tsx in every worker: on
 * Node 20 tsx's module hooks cost each worker about 0.9 s of CPU (every import is a round trip to a
 * hooks thread), the mirror about 0.1 s. The mirror keeps the tree's layout, so relative imports and
 * `node_modules` resolution work unchanged; its stamp changes whenever a source file does. The swarm's
 * worker module in it is a bundle, as in `dist` (see worker-bundle.ts).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorker } from './worker-bundle.js';

// In a bundle (the mirror's worker module) this is the bundle's URL, not this file's: paths below are
// found from where the mirror's directory sits in it, not from this file's depth.
const HERE = import.meta.url;
/** Where mirrors live, relative to the checkout's root. */
const CACHE = join('node_modules', '.cache', 'delm', 'workers');
/** `<root>/` + CACHE + `/<stamp>/` when this copy of delm is itself a mirror (a worker started from a checkout). */
const IN_MIRROR = new RegExp(`^(.*/)${CACHE.split(sep).join('/').replaceAll('.', '\\.')}/[^/]+/`).exec(HERE);
/** Whether this copy runs from a checkout: its TypeScript sources (under tsx), or a mirror of them. */
const IN_CHECKOUT = IN_MIRROR !== null || HERE.endsWith('.ts');
/** The checkout's root: two levels above this file in the sources, the mirror's in a mirror. */
const ROOT = fileURLToPath(IN_MIRROR ? IN_MIRROR[1]! : new URL('../../', HERE));
/** This mirror's root, when running in one. */
const MIRROR = IN_MIRROR ? fileURLToPath(IN_MIRROR[0]) : undefined;
/** Directories compiled whole, and the fixture directories (worker modules of tests and benches) anywhere below these. */
const SOURCE_DIRS = ['src', 'actors', 'machines'];
const FIXTURE_ROOTS = ['test', 'bench', 'examples'];
/** Browser code, bundled separately for the inspector page. */
const SKIP = join('src', 'inspector', 'page', 'client');
/** Mirrors older than this, other than the current one, are removed when a new one is built. */
const STALE_MS = 24 * 3_600_000;
/** Bumped when what a mirror holds besides the compiled sources changes, so older mirrors are rebuilt. */
const MIRROR_FORMAT = 3;

/**
 * The compiled counterpart of one of the checkout's `.ts` modules, as a `file:` URL, building the
 * mirror first if the sources changed; `undefined` when there is none (not a module of this checkout,
 * not a `.ts` file, esbuild missing, or turned off with `DELM_WORKERS_TSX=1`): load it with tsx then.
 */
export function compiledModuleUrl(href: string): string | undefined {
  if (!IN_CHECKOUT || !href.startsWith('file:') || !href.endsWith('.ts') || process.env['DELM_WORKERS_TSX'] === '1')
    return undefined;
  const file = fileURLToPath(href);
  const rel = relative(ROOT, file);
  if (rel.startsWith('..') || rel.startsWith(`node_modules${sep}`)) return undefined;
  const mirror = MIRROR ?? currentMirror();
  if (mirror === undefined) return undefined;
  const out = join(mirror, rel.replace(/\.ts$/, '.js'));
  return existsSync(out) ? pathToFileURL(out).href : undefined;
}

/** The mirror of the sources as they are now, built if missing. */
function currentMirror(): string | undefined {
  const stamp = createHash('sha1').update(`format ${MIRROR_FORMAT}\n`);
  const files = sourceFiles().filter((f) => {
    // A file removed since the listing (a test's temporary fixture) simply does not count.
    const s = statSync(f, { throwIfNoEntry: false });
    if (s !== undefined) stamp.update(`${f}\0${s.mtimeMs}\0${s.size}\n`);
    return s !== undefined;
  });
  const dir = join(ROOT, CACHE, stamp.digest('hex').slice(0, 16));
  if (existsSync(dir)) return dir;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = createRequire(join(ROOT, 'package.json'))('esbuild') as typeof import('esbuild');
  } catch {
    return undefined;
  }
  // Built aside and renamed into place, so a process never sees a half-written mirror.
  const building = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    esbuild.buildSync({
      entryPoints: files,
      outdir: building,
      outbase: ROOT,
      absWorkingDir: ROOT,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
    });
    // Package scope lookup stops at `node_modules`, so without this the mirror's `.js` would be CommonJS to
    // Node: loaded by syntax detection, after a warning on every `require()` piscina tries first.
    writeFileSync(join(building, 'package.json'), '{ "type": "module" }\n');
    bundleWorker(esbuild, ROOT, building, { sourcemap: true });
    renameSync(building, dir);
  } catch {
    // Another process renamed its build into place first (same sources), or the build failed: tsx then.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(dir)) return undefined;
  }
  removeStaleMirrors(dir);
  return dir;
}

/** Every `.ts` module a worker may load: the library's directories, and test and bench fixtures. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string, all: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (relative(ROOT, path) !== SKIP) walk(path, all || e.name === 'fixtures' || e.name === 'workers');
      } else if (all && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const d of SOURCE_DIRS) walk(join(ROOT, d), true);
  for (const d of FIXTURE_ROOTS) walk(join(ROOT, d), false);
  return files.sort();
}

function removeStaleMirrors(keep: string): void {
  const parent = join(ROOT, CACHE);
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    const path = join(parent, name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
