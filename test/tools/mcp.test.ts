/**
 * MCP tools through the official SDK against real servers: a child process over stdio (list, call,
 * crash and restart, a call in flight when the server dies), a Streamable HTTP server on 127.0.0.1,
 * config errors, and the server processes ending when the swarm closes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isDelmError } from '../../src/errors.js';
import { resolveSwarmOptions } from '../../src/runtime/options.js';
import { createSwarm } from '../../src/runtime/swarm.js';
import { loadToolbox } from '../../src/tools/loader.js';
import { closeMcpClients, mcpConnection } from '../../src/tools/mcp/clients.js';
import { mcpToolName } from '../../src/tools/mcp/names.js';
import type { McpServerConfig } from '../../src/tools/mcp/options.js';
import { ToolsOptionsSchema } from '../../src/tools/options.js';
import { hashText, resultContent, type Toolbox } from '../../src/tools/toolbox.js';
// @ts-expect-error -- a plain .mjs test fixture without types
import { startHttpFixture } from './fixtures/mcp-fixture-server.mjs';

const FIXTURE = fileURLToPath(new URL('./fixtures/mcp-fixture-server.mjs', import.meta.url));
const stdio: McpServerConfig = { name: 'fx', command: process.execPath, args: [FIXTURE] };
const tmp = mkdtempSync(path.join(tmpdir(), 'delm-mcp-'));
afterAll(async () => {
  await closeMcpClients();
  rmSync(tmp, { recursive: true, force: true });
});

const toolbox = (servers: McpServerConfig[], timeoutMs = 20_000): Promise<Toolbox> =>
  loadToolbox(ToolsOptionsSchema.parse({ mcpServers: servers, timeoutMs }), 1);
const call = (box: Toolbox, name: string, input: unknown = {}) =>
  box.call({ id: `c-${name}`, name, input }, new AbortController().signal);

/** Whether `pid` is a live process (not gone, not a zombie). Linux /proc. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('MCP over stdio (a real child process)', () => {
  it('lists the server’s tools as server__tool names the providers accept, with the server’s input schema', async () => {
    const box = await toolbox([stdio]);
    const specs = box.specs();
    expect(specs.map((s) => s.name).sort()).toEqual(['fx__echo', 'fx__fail', 'fx__pid', 'fx__slow', 'fx__weird_name']);
    for (const s of specs) expect(s.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const echo = specs.find((s) => s.name === 'fx__echo')!;
    expect(echo.description).toMatch(/MCP server fx, tool echo/);
    expect(echo.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
    expect(echo.inputSchema.$schema).toBeUndefined();
  });

  it('calls a tool, and the host records its output verbatim with its hash; an error result is a TOOL_FAILED record', async () => {
    const box = await toolbox([stdio]);
    const ok = await call(box, 'fx__echo', { text: 'the quick brown fox' });
    expect(ok.error).toBeUndefined();
    expect(ok.text).toBe('the quick brown fox');
    expect(ok.hash).toBe(hashText('the quick brown fox'));
    expect(ok.tool).toBe('fx__echo');
    const weird = await call(box, 'fx__weird_name');
    expect(weird.text).toBe('weird'); // the server is called by its own name
    const failed = await call(box, 'fx__fail');
    expect(failed.error).toMatchObject({ code: 'TOOL_FAILED' });
    expect(failed.text).toContain('it broke on purpose');
    const invalid = await call(box, 'fx__echo', { text: 42 });
    expect(invalid.error?.code).toBe('TOOL_FAILED'); // the server checks its own schema
  });

  it('shares one client per server on a thread, and restarts a server that was killed', async () => {
    const a = await toolbox([stdio]);
    const b = await toolbox([stdio]);
    const first = Number((await call(a, 'fx__pid')).text);
    expect(Number((await call(b, 'fx__pid')).text)).toBe(first); // one process for both toolboxes
    const conn = mcpConnection(stdio);
    const starts = conn.starts;
    process.kill(first, 'SIGKILL');
    expect(await until(() => !alive(first), 5_000)).toBe(true);
    // A call made before the client saw its server go is a call in flight (the next test); wait for it.
    expect(await until(() => !conn.connected, 5_000)).toBe(true);
    const again = await call(a, 'fx__pid');
    expect(again.error).toBeUndefined();
    const second = Number(again.text);
    expect(second).not.toBe(first);
    expect(alive(second)).toBe(true);
    expect(conn.starts).toBe(starts + 1);
  });

  it('fails a call in flight when the server dies as a retryable TOOL_INTERRUPTED; the next call succeeds', async () => {
    const box = await toolbox([stdio]);
    const pid = Number((await call(box, 'fx__pid')).text);
    const started = performance.now();
    const pending = call(box, 'fx__slow', { ms: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    const record = await pending;
    expect(performance.now() - started).toBeLessThan(15_000); // not the 30 s the call asked for
    expect(record.error).toMatchObject({ code: 'TOOL_INTERRUPTED', retryable: true });
    expect(resultContent(record)).toMatch(/TOOL_INTERRUPTED \(retryable/);
    const next = await call(box, 'fx__echo', { text: 'back' });
    expect(next.error).toBeUndefined();
    expect(next.text).toBe('back');
  });

  it('fails with MCP_SERVER_FAILED, naming the server and its stderr, when it cannot start', async () => {
    const err = await toolbox([
      { name: 'broken', command: process.execPath, args: ['-e', 'console.error("no config file"); process.exit(3)'] },
    ]).catch((e: unknown) => e);
    expect(isDelmError(err, 'MCP_SERVER_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/MCP server broken: could not start it/);
    expect((err as Error).message).toContain('no config file');
    const missing = await toolbox([{ name: 'missing', command: path.join(tmp, 'no-such-binary') }]).catch(
      (e: unknown) => e,
    );
    expect(isDelmError(missing, 'MCP_SERVER_FAILED')).toBe(true);
  });
});

describe('MCP over Streamable HTTP (a real SDK server on 127.0.0.1)', () => {
  it('lists and calls tools, fails a call to a stopped server as retryable, and reconnects when it is back', async () => {
    const http = (await startHttpFixture()) as { url: string; port: number; stop(): Promise<void> };
    const server: McpServerConfig = { name: 'web', url: http.url };
    const box = await toolbox([server]);
    expect(box.specs().map((s) => s.name)).toContain('web__echo');
    const ok = await call(box, 'web__echo', { text: 'over http' });
    expect(ok.text).toBe('over http');
    expect(ok.hash).toBe(hashText('over http'));
    await http.stop();
    const down = await call(box, 'web__echo', { text: 'anyone?' });
    expect(down.error).toMatchObject({ code: 'TOOL_INTERRUPTED', retryable: true });
    const back = (await startHttpFixture(http.port)) as { stop(): Promise<void> };
    try {
      const again = await call(box, 'web__echo', { text: 'again' });
      expect(again.error).toBeUndefined();
      expect(again.text).toBe('again');
    } finally {
      await back.stop();
    }
  });
});

describe('MCP configuration', () => {
  it('refuses bad servers with INVALID_CONFIG and says what is wrong', () => {
    const bad = (mcpServers: unknown) => {
      try {
        resolveSwarmOptions({ tools: { mcpServers } });
      } catch (err) {
        expect(isDelmError(err, 'INVALID_CONFIG')).toBe(true);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad([{ name: 'docs.v2', command: 'x' }])).toMatch(/server name/);
    expect(bad([{ name: 'a__b', command: 'x' }])).toMatch(/"__"/);
    expect(bad([{ name: 'docs' }])).toMatch(/\{ name, command, args\?, env\?, cwd\? \} \(stdio\) or \{ name, url \}/);
    expect(bad([{ name: 'docs', url: 'file:///etc/passwd' }])).toMatch(/http/);
    expect(
      bad([
        { name: 'docs', command: 'x' },
        { name: 'docs', url: 'http://127.0.0.1:1/mcp' },
      ]),
    ).toMatch(/unique/);
    expect(() => resolveSwarmOptions({ tools: { use: [] } })).toThrow(/at least one tool/);
    expect(resolveSwarmOptions({ tools: { mcpServers: [stdio] } }).tools?.use).toEqual([]);
  });

  it('names tools so every provider accepts them, and never twice', () => {
    expect(mcpToolName('docs', 'search', new Set())).toBe('docs__search');
    expect(mcpToolName('docs', 'files.read/v2 now', new Set())).toBe('docs__files_read_v2_now');
    const long = mcpToolName('docs', 'x'.repeat(100), new Set());
    expect(long).toMatch(/^docs__x+_[0-9a-f]{8}$/);
    expect(long.length).toBe(64);
    const taken = new Set(['docs__a_b']);
    const other = mcpToolName('docs', 'a.b', taken);
    expect(other).not.toBe('docs__a_b');
    expect(other).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
  });
});

describe('MCP servers of a swarm', () => {
  it('start in each agent thread that needs them and end when the swarm closes', async () => {
    const pids = mkdtempSync(path.join(tmp, 'pids-'));
    const swarm = createSwarm({
      agents: 2,
      tools: { mcpServers: [{ ...stdio, env: { MCP_FIXTURE_PID_DIR: pids } }] },
    });
    let agentsStarted: number | undefined;
    try {
      const result = await swarm.run('Say hello.');
      expect(result.stopReason).not.toBe('error');
      // An agent whose thread was not ready by the answer never started (on a loaded machine): no server of its own.
      agentsStarted = result.agents.filter((a) => a.status !== 'not-started').length;
    } finally {
      await swarm.close();
    }
    const started = readdirSync(pids).map(Number);
    expect(agentsStarted).toBeGreaterThan(0);
    // One per agent thread: each agent that started has one; one abandoned while starting may have one too.
    expect(started.length).toBeGreaterThanOrEqual(agentsStarted);
    expect(started.length).toBeLessThanOrEqual(2);
    expect(await until(() => started.every((p) => !alive(p)), 10_000)).toBe(true);
  });
});
