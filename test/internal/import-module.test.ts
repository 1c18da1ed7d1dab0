import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importModule } from '../../src/internal/import-module.js';

const dir = mkdtempSync(join(tmpdir(), 'delm-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importModule', () => {
  it('imports a module once per reference: every agent of a thread gets the same namespace', async () => {
    const path = join(dir, 'model.mjs');
    writeFileSync(path, 'export const loaded = Symbol("once");\n');
    const first = importModule(path);
    expect(importModule(path)).toBe(first);
    expect((await first)['loaded']).toBe((await importModule(path))['loaded']);
  });

  it('names the module whose code does not parse', async () => {
    const path = join(dir, 'broken.mjs');
    writeFileSync(path, 'export const createModel = ( => 1;\n');
    const error = (await importModule(path).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^could not load file:.*broken\.mjs: /);
    expect(error.cause).toBeDefined(); // the loader's own error, with its stack (vite's, under vitest)
  });

  it('does not keep a failed import: the next call imports again', async () => {
    const path = join(dir, 'missing.mjs');
    const failed = importModule(path);
    await expect(failed).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND|does the file exist/i);
    // Named, as a configuration error: Node's own message does not always say which module failed.
    await expect(failed).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining(path) });
    const again = importModule(path);
    expect(again).not.toBe(failed);
    await expect(again).rejects.toThrow();
  });
});
