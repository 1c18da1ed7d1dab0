import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/records/csv.js';
import { loadWorkload } from '../../src/workloads/workload.js';

const EXAMPLE = new URL('../../examples/licence-search', import.meta.url).pathname;
const DOCS_SERVER = new URL('../../examples/mcp/docs-server.mjs', import.meta.url).pathname;
const MULTIDOC = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-search-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the licence-search workload', () => {
  it('puts no document text in its tasks: only the question, the choices and the file names', async () => {
    const workload = await loadWorkload(EXAMPLE);
    expect(workload.kind).toBe('tool-search');
    expect(workload.items).toHaveLength(12);
    expect(workload.tools).toMatchObject({
      use: ['list_files', 'grep', 'read_file'],
      workspace: join(EXAMPLE, 'docs'),
    });
    const task = JSON.stringify(workload.items.map((i) => i.task));
    expect(task).not.toMatch(/TERMS AND CONDITIONS|Everyone is permitted to copy/);
    expect(workload.items[0]!.task.sources).toBeUndefined();
    expect(workload.items[0]!.task.subTasks?.[0]?.payload).toMatch(/Search GPL-2\.txt/);
  });

  it('runs offline through delm run: answers, records its tool calls, and admits only quotes the tools returned', async () => {
    const out = join(tmp, 'run');
    let text = '';
    const code = await main(['run', EXAMPLE, '--out', out, '--limit', '2', '--agents', '2'], {
      out: (s) => void (text += s),
      err: (s) => void (text += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code, text).toBe(0);
    const [header, ...lines] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
    const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]])));
    expect(rows.map((r) => [r.item_id, r.stop_reason])).toEqual([
      ['delm-lic-01', 'answered'],
      ['delm-lic-02', 'answered'],
    ]);
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const tools = events.filter((e) => e.type === 'tool.result');
    expect(tools.length).toBeGreaterThanOrEqual(8); // a grep and reads per file
    expect(new Set(tools.map((t) => t.tool))).toEqual(new Set(['grep', 'read_file']));
    expect(tools.every((t) => t.error === undefined && typeof t.hash === 'string')).toBe(true);
    const trajectory = readFileSync(join(out, 'trajectories', 'delm', 'delm-lic-01.jsonl'), 'utf8');
    expect(trajectory).toContain('"tool.called"');

    const docs = readdirSync(join(EXAMPLE, 'docs')).map((f) =>
      readFileSync(join(EXAMPLE, 'docs', f), 'utf8').replace(/\s+/g, ' '),
    );
    const ledger = readFileSync(join(out, 'ledger', 'delm', 'delm-lic-01.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; meta?: { quotes?: Array<{ source: string; text: string }> } });
    const gists = ledger.filter((e) => e.kind === 'gist');
    expect(gists.length).toBeGreaterThan(0);
    for (const g of gists)
      for (const q of g.meta?.quotes ?? []) {
        expect(q.source).toMatch(/^R\d+\.t\d+$/);
        expect(docs.some((d) => d.includes(q.text.replace(/\s+/g, ' ')))).toBe(true);
      }
  });

  it('gives the orchestrator baseline workers the same tools', async () => {
    const out = join(tmp, 'orchestrator');
    let text = '';
    const code = await main(['run', EXAMPLE, '--mode', 'orchestrator', '--out', out, '--limit', '1', '--agents', '2'], {
      out: (s) => void (text += s),
      err: (s) => void (text += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code, text).toBe(0);
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const tools = events.filter((e) => e.type === 'tool.result');
    expect(tools.length).toBeGreaterThanOrEqual(4);
    expect(tools.every((t) => t.mode === 'orchestrator' && t.agentId !== 0)).toBe(true); // workers, not the manager
  });

  it('runs through the example MCP server with --mcp in delm bench: delm and the orchestrator search and read with docs__search and docs__read', async () => {
    const out = join(tmp, 'mcp-bench');
    let text = '';
    // An argument shaped like a token: run.json keeps a digest of the servers, never their arguments.
    const server = `${DOCS_SERVER} ${join(EXAMPLE, 'docs')} --token=mcp-secret-0123456789`;
    const code = await main(['bench', EXAMPLE, '--mcp', server, '--out', out, '--limit', '1', '--agents', '2'], {
      out: (s) => void (text += s),
      err: (s) => void (text += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code, text).toBe(0);
    const runJson = readFileSync(join(out, 'run.json'), 'utf8');
    expect(runJson).toMatch(/"mcp": "sha256:[0-9a-f]{16}"/);
    expect(runJson).not.toContain('mcp-secret');
    const [header, ...lines] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
    const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]])));
    expect(rows.map((r) => [r.mode, r.item_id, r.stop_reason])).toEqual([
      ['delm', 'delm-lic-01', 'answered'],
      ['orchestrator', 'delm-lic-01', 'answered'],
    ]);
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const mode of ['delm', 'orchestrator']) {
      const tools = events.filter((e) => e.type === 'tool.result' && e.mode === mode);
      expect(tools.length, mode).toBeGreaterThanOrEqual(4); // a search and reads per file
      expect(new Set(tools.map((t) => t.tool))).toEqual(new Set(['docs__search', 'docs__read']));
      expect(tools.every((t) => t.error === undefined && typeof t.hash === 'string')).toBe(true);
    }
    const docs = readdirSync(join(EXAMPLE, 'docs')).map((f) =>
      readFileSync(join(EXAMPLE, 'docs', f), 'utf8').replace(/\s+/g, ' '),
    );
    const quotes = readFileSync(join(out, 'ledger', 'delm', 'delm-lic-01.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; meta?: { quotes?: Array<{ source: string; text: string }> } })
      .filter((e) => e.kind === 'gist')
      .flatMap((g) => g.meta?.quotes ?? []);
    expect(quotes.length).toBeGreaterThan(0);
    for (const q of quotes) {
      expect(q.source).toMatch(/^R\d+\.t\d+$/);
      expect(docs.some((d) => d.includes(q.text.replace(/\s+/g, ' ')))).toBe(true);
    }
  });

  it('refuses --mcp for a workload that uses no tools', async () => {
    let text = '';
    const code = await main(['run', MULTIDOC, '--mcp', DOCS_SERVER, '--out', join(tmp, 'mcp-multidoc')], {
      out: (s) => void (text += s),
      err: (s) => void (text += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code).toBe(2);
    expect(text).toMatch(/--mcp gives agents tools for a tool-search workload/);
  });

  it('refuses at load a workspace that is not a folder, and a question naming a file missing from it or outside it', async () => {
    const question = (file: string) => ({
      _id: 'q1',
      question: 'Which?',
      choice_A: 'a',
      choice_B: 'b',
      choice_C: 'c',
      choice_D: 'd',
      answer: 'A',
      files: [{ file: 'present.txt' }, { file }],
    });
    const workload = (name: string, workspace: string, file: string) => {
      const dir = join(tmp, name);
      mkdirSync(join(dir, 'docs'), { recursive: true });
      writeFileSync(join(dir, 'docs', 'present.txt'), 'text');
      writeFileSync(join(dir, 'outside.txt'), 'text');
      writeFileSync(join(dir, 'questions.json'), JSON.stringify([question(file)]));
      const manifest = { kind: 'tool-search', questions: 'questions.json', workspace, tools: ['read_file'] };
      writeFileSync(join(dir, 'workload.json'), JSON.stringify(manifest));
      return dir;
    };
    await expect(loadWorkload(workload('no-workspace', 'nowhere', 'present.txt'))).rejects.toThrow(
      /workload\.json: field "workspace": workspace .*nowhere is not a folder/,
    );
    await expect(loadWorkload(workload('missing-file', 'docs', 'absent.txt'))).rejects.toThrow(
      /questions\.json: item 0 \(_id "q1"\), field "files\.1\.file": absent\.txt is not a file in the workspace/,
    );
    await expect(loadWorkload(workload('escaping-file', 'docs', '../outside.txt'))).rejects.toThrow(
      /field "files\.1\.file": \.\.\/outside\.txt is outside the workspace/,
    );
    // From the CLI: a configuration error (exit 2) before any item runs, so nothing is recorded as done.
    let text = '';
    const out = join(tmp, 'no-workspace-run');
    const code = await main(['run', workload('no-workspace-cli', 'nowhere', 'present.txt'), '--out', out], {
      out: (s) => void (text += s),
      err: (s) => void (text += s),
      signal: new AbortController().signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code, text).toBe(2);
    expect(text).toMatch(/is not a folder/);
    expect(() => readFileSync(join(out, 'results.csv'))).toThrow();
  });
});
