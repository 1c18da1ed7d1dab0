import { describe, expect, it } from 'vitest';
import {
  ensureByteLength,
  growableBuffer,
  HAS_GROWABLE_SAB,
  HAS_WAIT_ASYNC,
  maxBytesOf,
  pollingWaitAsync,
  prefault,
} from '../../src/internal/shared-memory.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

describe('shared-memory features, detected rather than assumed from the Node version', () => {
  it('detects growable SharedArrayBuffers and Atomics.waitAsync on this runtime', () => {
    expect(HAS_GROWABLE_SAB).toBe(true);
    expect(HAS_WAIT_ASYNC).toBe(true);
  });

  it('falls back to a fixed buffer of the maximum size where buffers cannot grow', () => {
    const fixed = growableBuffer(64, 4096, false);
    expect(fixed.growable).toBe(false);
    expect(fixed.byteLength).toBe(4096);
    expect(maxBytesOf(fixed)).toBe(4096);
    expect(ensureByteLength(fixed, 4096)).toBe(true);
    expect(ensureByteLength(fixed, 4097)).toBe(false);
    const growing = growableBuffer(64, 4096, true);
    expect(growing.byteLength).toBe(64);
    expect(ensureByteLength(growing, 1000)).toBe(true);
    expect(maxBytesOf(growing)).toBe(4096);
  });

  it('polls in place of Atomics.waitAsync: not-equal, timed-out, and woken by another thread’s store', async () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    expect(await pollingWaitAsync(view, 0, 1, 50)).toBe('not-equal');
    expect(await pollingWaitAsync(view, 0, 0, 20)).toBe('timed-out');
    const worker = new Worker(
      "const { workerData } = require('node:worker_threads'); setTimeout(() => { Atomics.store(workerData, 0, 7); Atomics.notify(workerData, 0); }, 30);",
      { eval: true, workerData: view },
    );
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    expect(await pollingWaitAsync(view, 0, 0, 60_000)).toBe('ok');
    expect(Atomics.load(view, 0)).toBe(7);
    await exited;
  });
});

describe('waitAsync', () => {
  it('keeps the process alive until a wait with nothing else pending times out (it exited with 13 mid-wait)', async () => {
    // A process whose only work is waiting: V8 times the wait out on a task that holds no event-loop
    // handle, so the wait must hold one until it settles, whatever its timeout (fractional ones exited).
    const module = new URL('../../src/internal/shared-memory.ts', import.meta.url).href;
    const script =
      `const { waitAsync } = await import(${JSON.stringify(module)});` +
      'const view = new Int32Array(new SharedArrayBuffer(4));' +
      'for (let i = 0; i < 200; i++) await waitAsync(view, 0, 0, i % 2 ? 2.5 : 3);' +
      "console.log('waited');";
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(stdout.trim()).toBe('waited');
  });
});

describe('prefault', () => {
  const faults = () => process.resourceUsage().minorPageFault;

  it('maps the pages up front, so writing them later costs no page faults', () => {
    const sab = new SharedArrayBuffer(8 << 20);
    const before = faults();
    prefault(sab, 0);
    const touched = faults() - before;
    const bytes = new Uint8Array(sab);
    const again = faults();
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
    expect(touched).toBeGreaterThan(1_500); // 2,048 pages, a few of them maybe mapped together
    expect(faults() - again).toBeLessThan(100);
  });

  it('never changes a byte, and stays within the range and the buffer', () => {
    const sab = new SharedArrayBuffer(64 << 10);
    const bytes = new Uint8Array(sab);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    const copy = bytes.slice();
    prefault(sab, 5_000, 40_000);
    prefault(sab, 60_000, 1 << 20);
    prefault(sab, 1 << 20);
    expect(bytes).toEqual(copy);
  });
});
