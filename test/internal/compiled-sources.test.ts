import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledModuleUrl } from '../../src/internal/compiled-sources.js';
import { resolveWorkerEntry, startWorker } from '../../src/internal/worker-entry.js';
import { WORKER_BUNDLE_IMPORTS, packageImports } from '../helpers/workers.js';

const MIRROR = /\/node_modules\/\.cache\/delm\/workers\/[0-9a-f]{16}\//;
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;
const outside = mkdtempSync(join(tmpdir(), 'delm-import-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

/** Starts `import-module-worker.ts` with `refs` and returns what it reports. */
async function runWorker(refs: string[]): Promise<{ self: string; loaded: Array<{ value: unknown; from: string }> }> {
  const worker = startWorker(fixture('import-module-worker.ts'), { refs });
  const [report] = (await once(worker, 'message')) as [
    { self: string; loaded: Array<{ value: unknown; from: string }> },
  ];
  await worker.terminate();
  return report;
}

describe('compiled mirror of the checkout for worker threads', () => {
  it("starts a checkout's TypeScript worker module as compiled JavaScript, mirroring the tree", () => {
    const entry = resolveWorkerEntry(new URL('../../actors/swarm-worker.ts', import.meta.url));
    expect(entry.filename).toMatch(MIRROR);
    expect(entry.filename).toMatch(/\/actors\/swarm-worker\.js$/);
    expect(entry.workerData.delmEntry).toBe(entry.filename);
    // The worker module is a bundle, as in dist: one import for delm's modules, zod and xstate.
    expect(packageImports(readFileSync(fileURLToPath(entry.filename), 'utf8')).sort()).toEqual(WORKER_BUNDLE_IMPORTS);
    // Outside the checkout there is no mirror: tsx's bootstrap, as before.
    expect(compiledModuleUrl(pathToFileURL(join(outside, 'x.ts')).href)).toBeUndefined();
  });

  it('runs a worker from the mirror, which loads a checkout module from the mirror and any other TypeScript through tsx', async () => {
    const elsewhere = join(outside, 'elsewhere.ts');
    writeFileSync(join(outside, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(elsewhere, 'export const value: number = 7;\nexport const from: string = import.meta.url;\n');
    const report = await runWorker([fixture('typed-value.ts'), elsewhere]);
    expect(report.self).toMatch(MIRROR);
    expect(report.loaded[0]).toEqual({ value: 42, from: expect.stringMatching(MIRROR) });
    expect(report.loaded[1]).toEqual({ value: 7, from: pathToFileURL(elsewhere).href });
  });

  it('rebuilds when the sources change: a new fixture is in the next mirror', async () => {
    const added = new URL(`./fixtures/added-${process.pid}.ts`, import.meta.url);
    const before = compiledModuleUrl(fixture('typed-value.ts'));
    writeFileSync(added, 'export const value: number = 9;\nexport const from: string = import.meta.url;\n');
    try {
      const report = await runWorker([added.href]);
      expect(report.loaded[0]).toEqual({ value: 9, from: expect.stringMatching(MIRROR) });
      expect(report.self).not.toBe(before?.replace('typed-value.js', 'import-module-worker.js'));
    } finally {
      rmSync(added, { force: true });
    }
  });

  it('can be turned off: DELM_WORKERS_TSX=1 boots TypeScript through tsx', () => {
    process.env['DELM_WORKERS_TSX'] = '1';
    try {
      expect(resolveWorkerEntry(fixture('typed-value.ts')).filename).toMatch(/actors\/worker-entry\.mjs$/);
    } finally {
      delete process.env['DELM_WORKERS_TSX'];
    }
  });
});
