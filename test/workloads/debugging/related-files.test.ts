import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFailingTests } from '../../../src/workloads/debugging/verify.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('related files of a failing test', () => {
  it("follows CommonJS require('../') and require('..') to the package's index file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-related-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'test'));
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', scripts: { test: 'node --test' } }));
    await writeFile(path.join(dir, 'index.js'), 'module.exports = (a) => a + 1;\n');
    await writeFile(path.join(dir, 'other.js'), 'module.exports = 1;\n');
    for (const [name, spec] of [
      ['slash', '../'],
      ['bare', '..'],
    ])
      await writeFile(
        path.join(dir, 'test', `${name}.test.js`),
        `const test = require('node:test');\nconst assert = require('node:assert');\nconst f = require('${spec}');\ntest('adds one', () => assert.strictEqual(f(1), 3));\n`,
      );
    const { tasks } = await listFailingTests(dir, { timeoutMs: 30_000 });
    expect(tasks.map((t) => [t.testFile, t.relatedFiles])).toEqual([
      ['test/bare.test.js', ['index.js']],
      ['test/slash.test.js', ['index.js']],
    ]);
  }, 60_000);
});
