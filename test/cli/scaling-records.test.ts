/**
 * `delm bench --scaling` records its series like the measured items: every point's calls in
 * scaling/events.jsonl, its calls, tokens and cost in scaling.csv, its events in
 * scaling/trajectories/; and the series runs with the workload's tools, as the measured items do.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parseCsv } from '../../src/records/csv.js';
import { runScaling } from '../../src/evaluation/scaling.js';
import { loadWorkload } from '../../src/workloads/workload.js';
import { runCli } from '../helpers/cli.js';
import { offlineAnswer } from '../providers/servers/offline-answers.js';
import { startWireServer, type WireServer } from '../providers/servers/wire-server.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const SEARCH = new URL('../../examples/licence-search', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-scaling-'));

const csv = (file: string) => {
  const [header, ...lines] = parseCsv(readFileSync(file, 'utf8'));
  return { header: header!, rows: lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!]))) };
};
type Line = { mode: string; item: string; subTasks?: number; type: string; costUsd?: number; tool?: string };
const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe('the scaling series against a priced provider', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startWireServer();
    server.otherwise(offlineAnswer);
  });
  afterAll(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('records every call it was billed for, with its cost, like the measured items', async () => {
    const out = join(tmp, 'priced');
    // The model is loaded in the swarm's worker threads too, which read this process's environment.
    const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
    process.env.OPENAI_BASE_URL = `${server.url}/v1`;
    process.env.OPENAI_API_KEY = 'sk-test-scaling';
    onTestFinished(() => {
      for (const [name, value] of [
        ['OPENAI_BASE_URL', saved.base],
        ['OPENAI_API_KEY', saved.key],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    });
    const env = process.env;
    const r = await runCli(
      tmp,
      ['bench', DATA, '--modes', 'delm,orchestrator', '--model', 'openai:gpt-4.1-mini', '--limit', '1'].concat(
        '--agents',
        '2',
        '--scaling',
        '--out',
        out,
      ),
      env,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const scaling = csv(join(out, 'scaling.csv'));
    // The columns scaling.csv had stay first; the added ones follow.
    expect(scaling.header.slice(0, 6)).toEqual([
      'mode',
      'sub_tasks',
      'tokens',
      'max_prompt_tokens',
      'wall_ms',
      'stop_reason',
    ]);
    expect(scaling.rows.length).toBeGreaterThanOrEqual(4);
    expect(new Set(scaling.rows.map((p) => p.mode))).toEqual(new Set(['delm', 'orchestrator']));
    // Before: none of these columns, and no scaling/events.jsonl.
    const events = jsonl(join(out, 'scaling', 'events.jsonl')).filter((e) => e.type === 'usage');
    for (const p of scaling.rows) {
      expect(Number(p.tokens)).toBe(Number(p.input_tokens) + Number(p.output_tokens));
      expect(Number(p.model_calls), `${p.mode} ${p.sub_tasks}`).toBeGreaterThan(0);
      expect(Number(p.cost_usd), `${p.mode} ${p.sub_tasks}`).toBeGreaterThan(0);
      const mine = events.filter((e) => e.mode === p.mode && e.subTasks === Number(p.sub_tasks));
      expect(mine.every((e) => e.item === p.item_id)).toBe(true);
      expect(mine).toHaveLength(Number(p.model_calls));
      expect(mine.reduce((n, e) => n + e.costUsd!, 0)).toBeCloseTo(Number(p.cost_usd), 12);
      const trajectory = readFileSync(join(out, 'scaling', 'trajectories', p.mode!, `${p.sub_tasks}.jsonl`), 'utf8');
      expect(trajectory.trim().split('\n').at(-1)).toContain('"run.finished"');
    }
    // Every request the server answered (and so billed) is a recorded call: the items' or the series'.
    const itemCalls = csv(join(out, 'results.csv')).rows.reduce((n, row) => n + Number(row.model_calls), 0);
    expect(server.requests.length).toBe(itemCalls + events.length);
    expect(readFileSync(join(out, 'scaling', 'events.jsonl'), 'utf8')).not.toContain('sk-test-scaling');
    expect(r.out).toMatch(/^ {2}delm\s+2 sub-tasks\s+[\d,]+ tokens\s+\d+ calls\s+\$[\d.]+\s+answered$/m);
  }, 300_000);
});

describe('the scaling series of a tool-search workload', () => {
  it("runs with the workload's tools, as the measured items do", async () => {
    const workload = await loadWorkload(SEARCH);
    const points = await runScaling(workload, ['delm'], { agents: 2 });
    expect(points.map((p) => p.subTasks)).toEqual([2, 4, 8, 14]);
    // Before: the series ran without the workload's tools (no tool call, nothing to read the files with).
    for (const p of points) expect(p.toolCalls, `${p.subTasks} sub-tasks`).toBeGreaterThan(0);
  }, 300_000);

  it('is run and recorded by delm bench --scaling', async () => {
    const out = join(tmp, 'search');
    const r = await runCli(tmp, [
      'bench',
      SEARCH,
      '--modes',
      'delm',
      '--limit',
      '1',
      '--agents',
      '2',
      '--scaling',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    // Before: --scaling was silently skipped for a tool-search workload.
    const scaling = csv(join(out, 'scaling.csv')).rows;
    expect(scaling.map((p) => p.sub_tasks)).toEqual(['2', '4', '8', '14']);
    for (const p of scaling) expect(Number(p.tool_calls)).toBeGreaterThan(0);
    const tools = jsonl(join(out, 'scaling', 'events.jsonl')).filter((e) => e.type === 'tool.result');
    expect(tools.length).toBe(scaling.reduce((n, p) => n + Number(p.tool_calls), 0));
    expect(new Set(tools.map((t) => t.tool))).toContain('read_file');
    expect(existsSync(join(out, 'scaling', 'trajectories', 'delm', '14.jsonl'))).toBe(true);
  }, 300_000);
});
