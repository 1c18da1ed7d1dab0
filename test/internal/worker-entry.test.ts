import { describe, expect, it } from 'vitest';
import { resolveWorkerEntry, workerExecArgv } from '../../src/internal/worker-entry.js';

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
  });

  it('boots TypeScript through the tsx bootstrap and JavaScript directly', () => {
    expect(resolveWorkerEntry('file:///app/actors/swarm-worker.ts').filename).toMatch(/actors\/worker-entry\.mjs$/);
    expect(resolveWorkerEntry('file:///app/dist/actors/swarm-worker.js')).toMatchObject({
      filename: 'file:///app/dist/actors/swarm-worker.js',
      workerData: { delmEntry: 'file:///app/dist/actors/swarm-worker.js' },
    });
  });
});
