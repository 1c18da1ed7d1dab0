import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  acceptedByWorkers,
  poolExecArgv,
  resolveWorkerEntry,
  workerExecArgv,
} from '../../src/internal/worker-entry.js';

describe('worker entry', () => {
  it('strips tsx loader flags from the flags workers inherit, keeping the others', () => {
    const parent = [
      '--require',
      '/x/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///x/node_modules/tsx/dist/loader.mjs',
      '--no-deprecation',
      '--import',
      './telemetry.mjs',
      '--enable-source-maps',
    ];
    expect(workerExecArgv(parent)).toEqual(['--no-deprecation', '--import', './telemetry.mjs', '--enable-source-maps']);
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

  it('drops the flags Node refuses in a worker (the process has them already), keeping the others', () => {
    expect(acceptedByWorkers(['--max-old-space-size=4096', '--enable-source-maps', '--stack-size=2000'])).toEqual([
      '--enable-source-maps',
    ]);
    expect(workerExecArgv(['--max-old-space-size=4096', '--import', 'tsx'])).toEqual([]);
    expect(acceptedByWorkers([])).toEqual([]);
  });

  it('runs a swarm in a process started with V8 flags (node --max-old-space-size=… delm run)', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = mkdtempSync(join(tmpdir(), 'delm-v8-flags-'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--max-old-space-size=512',
          join(root, 'bin/delm.mjs'),
          'run',
          join(root, 'examples/multidoc/data.json'),
        ].concat(['--limit', '1', '--agents', '2', '--out', join(out, 'run')]),
        { cwd: root, timeout: 60_000 },
      );
      expect(stdout).toMatch(/records: /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 90_000);
});
