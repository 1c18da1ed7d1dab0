import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_TOOLS } from '../../src/tools/builtins/index.js';
import { compilePattern, GREP_MAX_MATCHES } from '../../src/tools/builtins/grep.js';
import { createToolbox } from '../../src/tools/loader.js';
import type { Toolbox } from '../../src/tools/toolbox.js';

let dir: string;
let box: Toolbox;
const signal = new AbortController().signal;
const call = (name: string, input: unknown) => box.call({ id: 'c', name, input }, signal);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'delm-tools-'));
  const ws = path.join(dir, 'ws');
  await mkdir(path.join(ws, 'docs'), { recursive: true });
  await writeFile(path.join(ws, 'docs', 'a.txt'), ['alpha one', 'beta two', 'gamma three', 'delta four'].join('\n'));
  await writeFile(path.join(ws, 'many.txt'), Array.from({ length: 300 }, (_, i) => `match ${i}`).join('\n'));
  await writeFile(path.join(dir, 'secret.txt'), 'the secret outside');
  await symlink(path.join(dir, 'secret.txt'), path.join(ws, 'escape.txt'));
  await symlink(path.join(ws, 'docs', 'a.txt'), path.join(ws, 'inside-link.txt'));
  await symlink(ws, path.join(ws, 'docs', 'loop'));
  box = await createToolbox(Object.values(BUILT_IN_TOOLS), { workspace: ws });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('built-in workspace tools', () => {
  it('refuse paths that leave the workspace: "..", absolute paths, symlinks out', async () => {
    for (const p of [
      '../secret.txt',
      'docs/../../secret.txt',
      path.join(dir, 'secret.txt'),
      '/etc/passwd',
      'escape.txt',
    ]) {
      const r = await call('read_file', { path: p });
      expect(r.error?.code, p).toBe('WORKSPACE_ESCAPE');
      expect(r.text).not.toContain('the secret outside');
    }
    expect((await call('grep', { pattern: 'secret', path: '..' })).error?.code).toBe('WORKSPACE_ESCAPE');
    expect((await call('list_files', { path: '../' })).error?.code).toBe('WORKSPACE_ESCAPE');
  });

  it('follow symlinks that stay inside, skip those that leave, and do not loop', async () => {
    const listing = (await call('list_files', {})).text;
    expect(listing).toContain('docs/a.txt');
    expect(listing).toContain('inside-link.txt');
    expect(listing).not.toContain('escape.txt');
    expect((await call('grep', { pattern: 'secret' })).text).toMatch(/no line matches/);
  });

  it('read_file returns the requested 1-based line range verbatim', async () => {
    const r = await call('read_file', { path: 'docs/a.txt', startLine: 2, endLine: 3 });
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('docs/a.txt lines 2-3 of 4\nbeta two\ngamma three');
    expect((await call('read_file', { path: 'docs/a.txt', startLine: 3, endLine: 1 })).error?.code).toBe('TOOL_FAILED');
  });

  it('grep finds lines by regex and caps its matches', async () => {
    // inside-link.txt is the same file as docs/a.txt: searched once.
    expect((await call('grep', { pattern: 'g[a-z]mma|DELTA' })).text).toBe(
      'docs/a.txt:3: gamma three\ndocs/a.txt:4: delta four',
    );
    const many = (await call('grep', { pattern: '^match', path: 'many.txt' })).text.split('\n');
    expect(many).toHaveLength(GREP_MAX_MATCHES + 1);
    expect(many.at(-1)).toBe(`(and ${300 - GREP_MAX_MATCHES} more matching lines)`);
    expect((await call('grep', { pattern: '(' })).error?.code).toBe('TOOL_INPUT_INVALID');
  });

  it('grep runs in linear time: catastrophic patterns finish at once, backreferences and lookaround are refused', async () => {
    // On a backtracking engine each of these takes exponential or high-polynomial time on such a line.
    const evil = await compilePattern('(a+)+$', true);
    const poly = await compilePattern('a*a*a*a*a*b', true);
    const line = `${'a'.repeat(20_000)}!`;
    const started = performance.now();
    expect(evil.test(line)).toBe(false);
    expect(poly.test(line)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    const r = await call('grep', { pattern: '(\\w+)\\1' });
    expect(r.error?.code).toBe('TOOL_INPUT_INVALID');
    expect(r.error?.message).toMatch(/RE2 syntax/);
    expect((await call('grep', { pattern: 'alpha(?=x)' })).error?.code).toBe('TOOL_INPUT_INVALID');
    expect((await call('grep', { pattern: '\\bgamma\\b|DELTA' })).text).toBe(
      'docs/a.txt:3: gamma three\ndocs/a.txt:4: delta four',
    );
  });

  it('reject input that does not match the schema, and unknown tools', async () => {
    expect((await call('read_file', { file: 'a.txt' })).error?.code).toBe('TOOL_INPUT_INVALID');
    expect((await call('rm_rf', {})).error?.code).toBe('TOOL_NOT_FOUND');
  });

  it('offer JSON Schema derived from the zod input', () => {
    const spec = box.specs().find((s) => s.name === 'read_file')!;
    expect(spec.inputSchema).toMatchObject({
      type: 'object',
      required: ['path'],
      properties: { startLine: { type: 'integer', minimum: 1 } },
    });
  });
});
