import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { poolExecArgv, resolveWorkerEntry, workerExecArgv } from '../../src/internal/worker-entry.js';

describe('worker entry', () => {
  it('strips tsx loader flags from the flags workers inherit, keeping the others', () => {
    const parent = [
      '--require',
      '/x/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///x/node_modules/tsx/dist/loader.mjs',
      '--max-old-space-size=4096',
      '--import',
      './telemetry.mjs',
      '--enable-source-maps',
    ];
    expect(workerExecArgv(parent)).toEqual([
      '--max-old-space-size=4096',
      '--import',
      './telemetry.mjs',
      '--enable-source-maps',
    ]);
    expect(workerExecArgv(['--import=file:///a/tsx/dist/loader.mjs', '--inspect'])).toEqual(['--inspect']);
    // `node --import tsx app.ts` names the package bare.
    expect(
      workerExecArgv(['--import', 'tsx', '--import=tsx/esm', '--require', 'tsx/cjs', '--import', './tsx-not.mjs']),
    ).toEqual(['--import', './tsx-not.mjs']);
  });

  it('boots TypeScript through the tsx bootstrap and JavaScript directly', () => {
    expect(resolveWorkerEntry('file:///app/actors/swarm-worker.ts').filename).toMatch(/actors\/worker-entry\.mjs$/);
    expect(resolveWorkerEntry('file:///app/dist/actors/swarm-worker.js')).toMatchObject({
      filename: 'file:///app/dist/actors/swarm-worker.js',
      workerData: { delmEntry: 'file:///app/dist/actors/swarm-worker.js' },
    });
  });

  it('starts pool threads with require(esm) off, so piscina imports an ES module instead of requiring it', async () => {
    const hasRequireEsm = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module');
    expect(poolExecArgv(['--enable-source-maps']).includes('--no-experimental-require-module')).toBe(hasRequireEsm);
    // What piscina's loader meets in such a thread: require() of an ES module throws at once (as Node without require(esm) does).
    const dir = mkdtempSync(join(tmpdir(), 'delm-esm-'));
    const esm = join(dir, 'entry.mjs');
    writeFileSync(esm, 'export default () => 1;\n');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       try { require(${JSON.stringify(esm)}); parentPort.postMessage('loaded'); }
       catch (e) { parentPort.postMessage(e.code); }`,
      { eval: true, execArgv: poolExecArgv([]) },
    );
    const [code] = (await once(worker, 'message')) as [string];
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe('ERR_REQUIRE_ESM');
  });
});
