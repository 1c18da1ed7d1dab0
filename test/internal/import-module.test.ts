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

  it('does not keep a failed import: the next call imports again', async () => {
    const path = join(dir, 'missing.mjs');
    const failed = importModule(path);
    await expect(failed).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND|does the file exist/i);
    const again = importModule(path);
    expect(again).not.toBe(failed);
    await expect(again).rejects.toThrow();
  });
});
