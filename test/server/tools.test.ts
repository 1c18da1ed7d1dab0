/**
 * `POST /v1/runs` with a tool selection: built-ins by name, MCP servers only by the name the server
 * configured; a request can never give a command, a URL or a workspace.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type DelmServer } from '../../src/server/index.js';
import { loadWorkload } from '../../src/workloads/workload.js';
import { eventually, readSse } from './helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/licence-search', import.meta.url));
const DOCS_SERVER = fileURLToPath(new URL('../../examples/mcp/docs-server.mjs', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'delm-serve-tools-'));
let server: DelmServer;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    maxConcurrentRuns: 1,
    maxQueuedRuns: 4,
    swarm: {
      agents: 2,
      tools: {
        use: ['grep', 'read_file'],
        workspace: path.join(EXAMPLE, 'docs'),
        mcpServers: [{ name: 'docs', command: process.execPath, args: [DOCS_SERVER] }],
      },
    },
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const post = (body: unknown) =>
  fetch(new URL('/v1/runs', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The licence-search item's task (no document text: the tools must find it), as a request body. */
async function itemBody(): Promise<Record<string, unknown>> {
  const task = (await loadWorkload(EXAMPLE)).items[0]!.task;
  return { prompt: task.prompt, subTasks: task.subTasks!.slice(0, 2), meta: task.meta };
}

async function toolsUsed(body: Record<string, unknown>): Promise<Set<string>> {
  const created = await post(body);
  expect(created.status, await created.clone().text()).toBe(202);
  const { id } = (await created.json()) as { id: string };
  await eventually(async () => {
    const run = (await (await fetch(new URL(`/v1/runs/${id}`, server.url))).json()) as { status: string };
    return run.status === 'finished' ? true : undefined;
  });
  const events = await readSse(await fetch(new URL(`/v1/runs/${id}/events`, server.url)));
  return new Set(
    events.filter((e) => e.event === 'tool.result').map((e) => (JSON.parse(e.data) as { tool: string }).tool),
  );
}

describe('the runs API with tools', () => {
  it('runs with the tools a request selects: a configured MCP server by name, or built-ins by name', async () => {
    const body = await itemBody();
    expect(await toolsUsed({ ...body, tools: ['docs'] })).toEqual(new Set(['docs__search', 'docs__read']));
    expect(await toolsUsed({ ...body, tools: ['grep', 'read_file'] })).toEqual(new Set(['grep', 'read_file']));
    expect(await toolsUsed({ ...body, tools: [] })).toEqual(new Set());
  });

  it('refuses an MCP server given in the body, an unconfigured name and run_command, with 400 and the field, starting nothing', async () => {
    const marker = path.join(tmp, 'spawned');
    const cases: Array<[unknown, RegExp]> = [
      [[{ name: 'evil', command: 'touch', args: [marker] }], /tools\.0/],
      [[{ name: 'evil', url: 'http://127.0.0.1:9/mcp' }], /tools\.0/],
      [['grep', 'evil'], /unknown tool "evil".*MCP servers cannot be given in a request/],
      [['run_command'], /run_command is off on this server/],
    ];
    for (const [tools, message] of cases) {
      const res = await post({ prompt: 'q', tools });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; code: string; param: string } };
      expect(error.code.toLowerCase()).toBe('invalid_argument');
      expect(error.param).toMatch(/^tools\.\d/);
      expect(error.message).toMatch(message);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
