/** `run_command`: off unless configured, allow-listed programs only (no shell), a fresh working copy, a time limit that kills, an output cap. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSwarmOptions } from '../../src/runtime/options.js';
import { loadToolbox } from '../../src/tools/loader.js';
import { ToolsOptionsSchema } from '../../src/tools/options.js';
import type { Toolbox } from '../../src/tools/toolbox.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'delm-runcmd-'));
const ws = path.join(tmp, 'ws');
mkdirSync(ws);
writeFileSync(path.join(ws, 'data.txt'), 'original\n');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const box = (runCommand: Record<string, unknown>, timeoutMs = 60_000): Promise<Toolbox> =>
  loadToolbox(ToolsOptionsSchema.parse({ use: ['run_command'], workspace: ws, runCommand, timeoutMs }), 1);
const run = (b: Toolbox, command: string, args: string[] = []) =>
  b.call({ id: 'c', name: 'run_command', input: { command, args } }, new AbortController().signal);

function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('run_command', () => {
  it('is off by default: naming it without an allow-list is INVALID_CONFIG, and no other tool set offers it', async () => {
    expect(() => resolveSwarmOptions({ tools: { use: ['run_command'], workspace: ws } })).toThrow(
      /run_command is off unless tools\.runCommand\.allow/,
    );
    expect(() =>
      resolveSwarmOptions({ tools: { use: ['grep'], workspace: ws, runCommand: { allow: ['sh -c'] } } }),
    ).toThrow(/executable name or an absolute path/);
    const plain = await loadToolbox(
      ToolsOptionsSchema.parse({ use: ['grep', 'read_file'], workspace: ws, runCommand: { allow: ['node'] } }),
      1,
    );
    expect(plain.specs().map((s) => s.name)).not.toContain('run_command');
  });

  it('refuses a program outside the allow-list, a path to an allowed name, and shell syntax, with TOOL_NOT_ALLOWED', async () => {
    const b = await box({ allow: ['node'] });
    for (const command of ['ls', '/usr/bin/node', './node', 'node; rm -rf /', 'sh'])
      expect((await run(b, command, ['-e', '1'])).error, command).toMatchObject({ code: 'TOOL_NOT_ALLOWED' });
  });

  it('runs an allowed program without a shell in a copy of the workspace that is removed afterwards, with no secrets in its environment', async () => {
    const b = await box({ allow: [process.execPath, 'node'] });
    process.env.DELM_TEST_SECRET = 'sk-should-not-leak';
    const script = `const fs=require('fs');fs.writeFileSync('data.txt','changed');console.log(process.cwd());console.log(fs.readFileSync('data.txt','utf8'));console.log(process.env.DELM_TEST_SECRET??'no secret');console.error('to stderr')`;
    const r = await run(b, process.execPath, ['-e', script]);
    delete process.env.DELM_TEST_SECRET;
    expect(r.error).toBeUndefined();
    const [cmd, status, cwd, content, secret, stderr] = r.text.split('\n');
    expect(cmd).toMatch(/^\$ .*node -e /);
    expect(status).toBe('[exit 0]');
    expect(cwd).not.toBe(ws);
    expect(content).toBe('changed');
    expect(secret).toBe('no secret');
    expect(stderr).toBe('to stderr');
    expect(existsSync(cwd!)).toBe(false); // the copy is gone
    expect(readFileSync(path.join(ws, 'data.txt'), 'utf8')).toBe('original\n'); // the workspace is untouched
    const shell = await run(b, 'node', ['-e', 'console.log(1)', '|', 'cat']);
    expect(shell.text).toContain('[exit 0]'); // "|" is an argument, not a pipe
    const failing = await run(b, 'node', ['-e', 'process.exit(3)']);
    expect(failing.text).toContain('[exit 3]');
  });

  it('kills a program that runs past its time limit, children included, with TOOL_TIMEOUT', async () => {
    const b = await box({ allow: ['node'], timeoutMs: 500 });
    const pidFile = path.join(tmp, 'grandchild.pid');
    const script = `const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});require('fs').writeFileSync(${JSON.stringify(pidFile)},String(c.pid));setInterval(()=>{},1000)`;
    const started = performance.now();
    const r = await run(b, 'node', ['-e', script]);
    expect(r.error).toMatchObject({ code: 'TOOL_TIMEOUT' });
    expect(r.error?.message).toMatch(/500 ms limit and was killed/);
    expect(performance.now() - started).toBeLessThan(20_000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    const end = Date.now() + 5_000;
    while (alive(grandchild) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(alive(grandchild)).toBe(false);
  });

  it('keeps at most maxOutputBytes of output and says how much there was', async () => {
    const b = await box({ allow: ['node'], maxOutputBytes: 1_000 });
    const r = await run(b, 'node', ['-e', "process.stdout.write('x'.repeat(100000))"]);
    expect(r.error).toBeUndefined();
    const body = r.text.split('\n')[2]!;
    expect(body).toBe('x'.repeat(1_000));
    expect(r.text).toMatch(/\[output cut at 1000 of 100000 bytes\]$/);
  });

  it('refuses to copy a workspace over maxCopyBytes', async () => {
    const b = await box({ allow: ['node'], maxCopyBytes: 4 });
    const r = await run(b, 'node', ['-e', '1']);
    expect(r.error?.code).toBe('TOOL_FAILED');
    expect(r.error?.message).toMatch(/maxCopyBytes/);
  });
});
