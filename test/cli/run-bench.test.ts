import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../../src/records/csv.js';
import { extractAnswer } from '../../src/workloads/longbench.js';
import { fixedCounts } from '../../src/workloads/debugging/report.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const WORKSPACE = new URL('../../examples/debug-workspace', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(tmp, argv);
const rows = (dir: string) => {
  const [header, ...lines] = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  return lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]])));
};

/**
 * Re-checks every scored row of `out` from its records alone: answers.jsonl holds, once per row, the
 * answer the scorer read, the expected answer and the decision, and the decision follows from them.
 */
function expectRecheckable(out: string, kind: 'multidoc' | 'debugging'): void {
  type Answer = { mode: string; item: string; question: string; answer: string | null; expected: string };
  const answers = readFileSync(join(out, 'answers.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Answer & { predicted: string; correct: boolean | null; rule: string });
  expect(answers).toHaveLength(rows(out).length);
  for (const row of rows(out)) {
    const found = answers.filter((a) => a.mode === row.mode && a.item === row.item_id);
    expect(found, `${row.mode} ${row.item_id}`).toHaveLength(1);
    const a = found[0]!;
    expect(a.question.length).toBeGreaterThan(10);
    expect(a.rule.length).toBeGreaterThan(10);
    expect([a.predicted, String(a.correct)]).toEqual([row.predicted, row.correct]);
    if (kind === 'multidoc') {
      expect(a.expected).toMatch(/^[A-D]$/);
      const predicted = extractAnswer(a.answer ?? '') ?? '-';
      expect(predicted).toBe(row.predicted);
      expect(String(predicted === a.expected)).toBe(row.correct);
    } else {
      const counts = fixedCounts(a.answer ?? '');
      if (!counts) throw new Error(`no test report in the answer of ${row.mode} ${row.item_id}`);
      expect(`${counts.fixed}/${counts.total} fixed`).toBe(row.predicted);
      expect(a.expected).toBe(`${counts.total}/${counts.total} fixed, 0 regressed`);
      expect(String(counts.fixed === counts.total && counts.regressed === 0)).toBe(row.correct);
    }
  }
}

describe('delm run', () => {
  it('runs LongBench items and writes every record; --resume skips what is done', async () => {
    const out = join(tmp, 'run1');
    const first = await cli('run', DATA, '--out', out, '--limit', '2', '--agents', '2');
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/offline \(not an LLM\)/);
    expect(rows(out).map((r) => [r.item_id, r.mode, r.stop_reason])).toEqual([
      ['delm-lic-01', 'delm', 'answered'],
      ['delm-lic-02', 'delm', 'answered'],
    ]);
    const calls = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls.length).toBe(rows(out).reduce((n, r) => n + Number(r.model_calls), 0));
    for (const c of calls)
      expect(c).toMatchObject({
        mode: 'delm',
        model: 'offline',
        inputTokens: expect.any(Number),
        role: expect.any(String),
        latencyMs: expect.any(Number),
      });
    const ledger = readFileSync(join(out, 'ledger', 'delm', 'delm-lic-01.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger.some((e) => e.kind === 'gist')).toBe(true);
    const trajectory = readFileSync(join(out, 'trajectories', 'delm', 'delm-lic-01.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(trajectory.at(-1)).toMatchObject({ type: 'run.finished' });
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).summaries[0]).toMatchObject({
      mode: 'delm',
      items: 2,
    });

    const resumed = await cli('run', DATA, '--out', out, '--limit', '3', '--resume', '--agents', '2');
    expect(resumed.code).toBe(0);
    expect(rows(out).map((r) => r.item_id)).toEqual(['delm-lic-01', 'delm-lic-02', 'delm-lic-03']);

    // The folder holds that run: resuming it in another mode, on another workload or with another model is refused.
    for (const other of [
      ['run', DATA, '--mode', 'orchestrator'],
      ['run', WORKSPACE],
      ['bench', DATA, '--modes', 'delm,single'],
    ]) {
      const r = await cli(...other, '--out', out, '--resume');
      expect(r.code, other.join(' ')).toBe(2);
      expect(r.err).toMatch(
        /holds a run of .*data\.json \(mode delm, model offline\), not of .*: resume it with the same/,
      );
    }
    expect(rows(out)).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({
      modes: ['delm'],
      model: 'offline',
    });
  }, 300_000);

  it('refuses a --resume with other settings or workload content, naming each with both values', async () => {
    const out = join(tmp, 'mix');
    const data = join(tmp, 'mix.json');
    writeFileSync(data, readFileSync(DATA));
    expect((await cli('run', data, '--limit', '2', '--agents', '2', '--out', out)).code).toBe(0);
    const before = readFileSync(join(out, 'results.csv'), 'utf8');
    // Before: exit 0, and summary.json averaged rows of two configurations.
    const mixed = await cli(
      'run',
      data,
      '--out',
      out,
      '--resume',
      '--agents',
      '1',
      '--budget-calls',
      '2',
      '--chunk-tokens',
      '20',
    );
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('holds a run with other settings: ');
    expect(mixed.err).toContain('agents 2 there, 1 now');
    expect(mixed.err).toContain('budget-calls not set there, 2 now');
    expect(mixed.err).toContain('chunk-tokens 3000 there, 20 now');
    expect(mixed.err).not.toMatch(/max-rounds|budget-tokens/);
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe(before);
    // The defaults written out or left implicit are one setting; --limit may differ.
    expect(
      (await cli('run', data, '--out', out, '--resume', '--agents', '2', '--chunk-tokens', '3000', '--limit', '3'))
        .code,
    ).toBe(0);
    expect(rows(out)).toHaveLength(3);
    // The same path with other content is another workload.
    const items = JSON.parse(readFileSync(data, 'utf8')) as Array<{ answer: string }>;
    items[0]!.answer = items[0]!.answer === 'A' ? 'B' : 'A';
    writeFileSync(data, JSON.stringify(items));
    const edited = await cli('run', data, '--out', out, '--resume', '--agents', '2', '--limit', '4');
    expect(edited.code).toBe(2);
    expect(edited.err).toMatch(/workload content \(sha256\) [0-9a-f]{64} there, [0-9a-f]{64} now/);
    // A run.json written before the settings were kept is compared on what it holds, as before.
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    delete runJson.settings;
    delete runJson.workloadSha256;
    writeFileSync(join(out, 'run.json'), JSON.stringify(runJson));
    expect((await cli('run', data, '--out', out, '--resume', '--agents', '1', '--limit', '4')).code).toBe(0);
    expect(rows(out)).toHaveLength(4);
  }, 300_000);

  it('hosts more agents than get a thread each on one thread per core, and says so before the first item', async () => {
    const out = join(tmp, 'many');
    const r = await cli('run', DATA, '--out', out, '--limit', '1', '--agents', '300');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const cores = Math.min(256, availableParallelism());
    expect(r.out.split('\n')[0]).toMatch(
      `300 agents on ${cores} thread${cores === 1 ? '' : 's'} (one per core: the default above 256 agents; --threads <n> to choose)`,
    );
    expect(rows(out).map((r) => [r.item_id, r.stop_reason])).toEqual([['delm-lic-01', 'answered']]);
    const started = readFileSync(join(out, 'trajectories', 'delm', 'delm-lic-01.jsonl'), 'utf8')
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : undefined))
      .find((e) => e?.type === 'run.started');
    expect(started).toMatchObject({ agents: 300, threads: cores });
  }, 300_000);

  it('fixes every seeded bug of the debugging workspace offline', async () => {
    const out = join(tmp, 'debug');
    const r = await cli('run', WORKSPACE, '--out', out);
    expect(r.code).toBe(0);
    const [row] = rows(out);
    expect(row).toMatchObject({ mode: 'delm', correct: 'true', predicted: '6/6 fixed', stop_reason: 'answered' });
    expectRecheckable(out, 'debugging');
  }, 300_000);

  it('refuses bad arguments and input with exit code 2 and a message naming the problem', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify([
        {
          _id: 'x',
          domain: 'd',
          sub_domain: 's',
          difficulty: 'easy',
          length: 'short',
          question: 'q',
          choice_A: 'a',
          choice_B: 'b',
          choice_C: 'c',
          answer: 'A',
          context: 'ctx',
        },
      ]),
    );
    // Two ids kept in one record file (x/y and x_y are both x_y.jsonl): one item's records overwrote the other's.
    const items = JSON.parse(readFileSync(DATA, 'utf8')) as Array<Record<string, string>>;
    const clash = join(tmp, 'clash.json');
    writeFileSync(
      clash,
      JSON.stringify([
        { ...items[0], _id: 'x/y' },
        { ...items[1], _id: 'x_y' },
      ]),
    );
    // An empty choice ended the run mid-way in the baselines and was an error row in delm mode.
    const emptyChoice = join(tmp, 'empty-choice.json');
    writeFileSync(emptyChoice, JSON.stringify([{ ...items[0], choice_C: '' }]));
    const cases: Array<[string[], RegExp]> = [
      [['run'], /missing <workload>/],
      [
        ['run', clash],
        /clash\.json: item 1 \(_id "x_y"\), field "_id": would share its records \(file x_y\.jsonl\) with item 0/,
      ],
      [['bench', clash], /would share its records/],
      [['run', emptyChoice, '--mode', 'single'], /empty-choice\.json: item 0 \(_id "delm-lic-01"\), field "choice_C"/],
      [['run', DATA, '--mode', 'hub'], /unknown --mode "hub"/],
      [['run', DATA, '--agents', '0'], /--agents must be a positive integer/],
      [['run', DATA, '--budget-cost', 'lots'], /--budget-cost must be a positive number/],
      [['run', join(tmp, 'nope.json')], /nope\.json: no such file or folder/],
      [['run', bad], /bad\.json: item 0 \(_id "x"\), field "choice_D"/],
      [['run', WORKSPACE, '--mode', 'single'], /runs in delm or orchestrator mode, not single/],
      [['run', DATA, '--resume'], /--resume needs --out/],
      [['run', DATA, '--frobnicate'], /Unknown option '--frobnicate'/],
      [['bench', DATA, '--modes', 'delm,hub'], /unknown mode "hub"/],
      [['run', DATA, '--model', 'anthropic:claude-haiku-4-5', '--latency', '5'], /offline model only/],
      [['run', WORKSPACE, '--tools', 'read_file,rm_rf'], /--tools takes built-in tool names .*"read_file,rm_rf"/],
      // Before: every call failed (no folder to search) and the answers got worse.
      [['run', DATA, '--tools', 'grep'], /--tools gives agents tools over a folder: .*this multidoc workload/],
      [['bench', DATA, '--tools', 'grep'], /--tools gives agents tools over a folder/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
    const out = join(tmp, 'run1');
    const again = await cli('run', DATA, '--out', out, '--limit', '1');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds results\.csv; pass --resume/);
  });

  it('exits 2 with a sentence naming the path when --out is a file or results.csv is a folder', async () => {
    const file = join(tmp, 'out-is-a-file');
    writeFileSync(file, 'not a folder');
    const onFile = await cli('run', DATA, '--out', file, '--limit', '1');
    expect(onFile.code).toBe(2);
    expect(onFile.err).toContain(`--out ${file} is a file, not a folder`);
    const dir = join(tmp, 'csv-is-a-folder');
    mkdirSync(join(dir, 'results.csv'), { recursive: true });
    for (const extra of [[], ['--resume']]) {
      const r = await cli('run', DATA, '--out', dir, '--limit', '1', ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${join(dir, 'results.csv')} is a folder, not a file`);
    }
  });

  it('--resume repairs a results.csv whose last row was cut off, says so on stderr, and reruns that item once', async () => {
    const out = join(tmp, 'torn');
    expect((await cli('run', DATA, '--out', out, '--limit', '2', '--agents', '2')).code).toBe(0);
    const text = readFileSync(join(out, 'results.csv'), 'utf8');
    writeFileSync(join(out, 'results.csv'), text.slice(0, -15));
    const resumed = await cli('run', DATA, '--out', out, '--limit', '3', '--resume', '--agents', '2');
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(
      /repaired .*results\.csv: line 3 and after dropped .*kept 1 complete row; the damaged file is saved as .*results\.csv\.damaged-/,
    );
    expect(rows(out).map((r) => r.item_id)).toEqual(['delm-lic-01', 'delm-lic-02', 'delm-lic-03']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).summaries[0]).toMatchObject({ items: 3 });
  }, 300_000);

  it('logs through pino on stderr when asked (--log json): one line per item, keys in the environment never shown', async () => {
    const out = join(tmp, 'logged');
    const key = 'sk-test-not-a-real-key-0123456789';
    const saved = process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_API_KEY = key;
    try {
      const r = await cli('run', DATA, '--out', out, '--limit', '2', '--agents', '2', '--log', 'json');
      expect(r.code).toBe(0);
      const lines = r.err
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ level: 30, msg: 'run started', mode: 'delm', items: 2, out });
      const items = lines.filter((l) => l.msg === 'item done');
      expect(items.map((l) => [l.item, l.stopReason])).toEqual([
        ['delm-lic-01', 'answered'],
        ['delm-lic-02', 'answered'],
      ]);
      expect(items[0]).toMatchObject({
        tokens: expect.any(Number),
        modelCalls: expect.any(Number),
        wallMs: expect.any(Number),
      });
      expect(r.err).not.toContain(key);
      // The progress display stays on stdout; a level above info silences the item lines.
      const quiet = await cli(
        'run',
        DATA,
        '--out',
        out,
        '--limit',
        '3',
        '--resume',
        '--agents',
        '2',
        '--log',
        'json',
        '--log-level',
        'warn',
      );
      expect(quiet.err).toBe('');
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved;
    }
  }, 300_000);

  it('leaves no records folder behind for a model or option refused as the run starts, so the retry runs', async () => {
    const out = join(tmp, 'typo');
    const cases: Array<[string[], RegExp]> = [
      [['run', DATA, '--model', 'gpt4'], /unknown model provider "gpt4"/],
      [['run', DATA, '--threads', '300'], /threads: Too big/],
      [['bench', DATA, '--modes', 'single', '--model', 'gpt4'], /unknown model provider "gpt4"/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv, '--limit', '1', '--out', out);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      // Before: the folder held results.csv, and the corrected command was refused ("pass --resume").
      expect(existsSync(out), argv.join(' ')).toBe(false);
    }
    expect((await cli('run', DATA, '--limit', '1', '--agents', '2', '--out', out)).code).toBe(0);
  });

  it('says what an interrupted run recorded and how to go on, and marks its summary interrupted', async () => {
    const out = join(tmp, 'interrupted');
    const ctrlC = new AbortController();
    let err = '';
    const code = await main(['run', DATA, '--limit', '3', '--agents', '2', '--out', out], {
      // Ctrl-C once the first item is recorded.
      out: (text) => void (/delm-lic-01/.test(text) && ctrlC.abort()),
      err: (text) => void (err += text),
      signal: ctrlC.signal,
      isTTY: false,
      cwd: tmp,
    });
    expect(code).toBe(130);
    // Before: nothing said the run was cut short, and summary.json read like a finished run's.
    expect(err).toContain(
      `interrupted: 1 of 3 items recorded in ${out}; run the same command with --resume --out ${out} to do the rest`,
    );
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toMatchObject({ interrupted: true });
    expect((await cli('run', DATA, '--limit', '3', '--agents', '2', '--resume', '--out', out)).code).toBe(0);
    expect(rows(out).map((r) => r.item_id)).toEqual(['delm-lic-01', 'delm-lic-02', 'delm-lic-03']);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).interrupted).toBeUndefined();
  });

  it('lets one delm at a time write a records folder, and takes over the lock of one that died', async () => {
    const out = join(tmp, 'locked');
    const bin = new URL('../../bin/delm.mjs', import.meta.url).pathname;
    // Before: two `--resume` runs on one folder each ran every item, and wrote two rows for each.
    const first = spawn(process.execPath, [
      bin,
      'run',
      DATA,
      '--limit',
      '3',
      '--agents',
      '2',
      '--latency',
      '300',
      '--out',
      out,
    ]);
    const firstExit = new Promise<number | null>((resolve) => first.once('exit', resolve));
    while (!existsSync(join(out, '.delm.lock'))) await new Promise((r) => setTimeout(r, 50));
    const second = await cli(
      'run',
      DATA,
      '--limit',
      '3',
      '--agents',
      '2',
      '--latency',
      '300',
      '--resume',
      '--out',
      out,
    );
    expect(second.code).toBe(2);
    expect(second.err).toContain(`${out} is being written by another delm (pid ${first.pid})`);
    expect(await firstExit).toBe(0);
    expect(existsSync(join(out, '.delm.lock'))).toBe(false); // given back at exit
    expect(rows(out).map((r) => r.item_id)).toEqual(['delm-lic-01', 'delm-lic-02', 'delm-lic-03']);
    // A lock left by a process that is gone (SIGKILLed) is taken over.
    writeFileSync(join(out, '.delm.lock'), `999999999\n${hostname()}\n`);
    expect(
      (await cli('run', DATA, '--limit', '4', '--agents', '2', '--latency', '300', '--resume', '--out', out)).code,
    ).toBe(0);
    expect(rows(out)).toHaveLength(4);
  });

  it('names a missing API key and exits 2 before running anything', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      const r = await cli(
        'run',
        DATA,
        '--limit',
        '1',
        '--mode',
        'single',
        '--model',
        'openai:gpt-4.1-mini',
        '--out',
        join(tmp, 'nokey'),
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/set the OPENAI_API_KEY environment variable/);
      expect(r.err).toMatch(/\[MISSING_API_KEY\]/);
      expect(existsSync(join(tmp, 'nokey'))).toBe(false);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });
});

describe('delm bench', () => {
  it('puts delm, the orchestrator and a single pass side by side, with Markdown and a chart', async () => {
    const out = join(tmp, 'bench');
    const r = await cli('bench', DATA, '--out', out, '--limit', '2', '--agents', '2', '--scaling');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^delm\s+2\s/m);
    expect(r.out).toMatch(/^orchestrator\s+2\s/m);
    expect(r.out).toMatch(/^single\s+2\s/m);
    expect(r.out).toMatch(/delm uses [\d.]+× the orchestrator's tokens per item/);
    const md = readFileSync(join(out, 'bench.md'), 'utf8');
    expect(md).toMatch(/\| mode \| items \| accuracy \|/);
    const svg = readFileSync(join(out, 'tokens-vs-subtasks.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[\s\S]*<circle[\s\S]*delm \(k = [\d.]+\)[\s\S]*<\/svg>\n$/);
    // The columns scaling.csv first had stay first (see scaling-records.test.ts for the added ones).
    expect(readFileSync(join(out, 'scaling.csv'), 'utf8').split('\n')[0]).toMatch(
      /^mode,sub_tasks,tokens,max_prompt_tokens,wall_ms,stop_reason,/,
    );
    expect(new Set(rows(out).map((x) => x.mode))).toEqual(new Set(['delm', 'orchestrator', 'single']));
    expect(existsSync(join(out, 'trajectories', 'orchestrator'))).toBe(true);
    expect(readdirSync(join(out, 'ledger'))).toEqual(['delm']);
  }, 300_000);
});

/** Checks every row's model calls are in events.jsonl once, in one block, and no other item's are. */
function expectEventsOncePerRow(out: string): void {
  const items = readFileSync(join(out, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { mode: string; item: string; type: string })
    .filter((e) => e.type === 'usage')
    .map((e) => `${e.mode} ${e.item}`);
  const blocks = items.filter((key, i) => key !== items[i - 1]);
  expect(new Set(blocks).size, 'each item in one block').toBe(blocks.length);
  const counts = Object.fromEntries(rows(out).map((r) => [`${r.mode} ${r.item_id}`, Number(r.model_calls)]));
  expect(Object.fromEntries(blocks.map((b) => [b, items.filter((k) => k === b).length]))).toEqual(counts);
}

describe('the answers behind the scores', () => {
  it("lets every mode's scored rows be re-checked from the records alone", async () => {
    const out = join(tmp, 'answers');
    expect((await cli('bench', DATA, '--out', out, '--limit', '3', '--agents', '2')).code).toBe(0);
    expect(new Set(rows(out).map((r) => r.mode))).toEqual(new Set(['delm', 'orchestrator', 'single']));
    // Before: answers.jsonl did not exist; the orchestrator's and single pass's answers were nowhere.
    expectRecheckable(out, 'multidoc');
  }, 300_000);
});

describe('records after an interrupted write', () => {
  it("--resume after a bench cut off between an item's events and its row keeps each call once", async () => {
    const out = join(tmp, 'torn-bench');
    const blocker = join(out, 'trajectories', 'orchestrator', 'delm-lic-02.jsonl');
    mkdirSync(blocker, { recursive: true });
    const args = ['bench', DATA, '--modes', 'orchestrator,single', '--limit', '3', '--agents', '2', '--out', out];
    const first = await cli(...args);
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/EISDIR/);
    rmdirSync(blocker);
    const resumed = await cli(...args, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/dropped from .* the records of items with no results\.csv row/);
    expect(rows(out)).toHaveLength(6);
    // Before: delm-lic-02's orchestrator calls were in events.jsonl twice.
    expectEventsOncePerRow(out);
  }, 300_000);

  it('--resume after kill -9 of a run keeps each call once', async () => {
    const out = join(tmp, 'killed');
    const bin = new URL('../../bin/delm.mjs', import.meta.url).pathname;
    const args = ['run', DATA, '--mode', 'orchestrator', '--limit', '4', '--agents', '2', '--out', out];
    const child = spawn(process.execPath, [bin, ...args, '--latency', '20']);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed as soon as an item's events are written, whether or not its row is yet.
    const events = join(out, 'events.jsonl');
    while (!existsSync(events) && child.exitCode === null) await new Promise((r) => setTimeout(r, 1));
    child.kill('SIGKILL');
    await exited;
    const resumed = await cli(...args, '--latency', '20', '--resume');
    expect(resumed.code).toBe(0);
    expect(rows(out)).toHaveLength(4);
    expectEventsOncePerRow(out);
  }, 300_000);
});

describe('delm --help', () => {
  it('lists every command and prints help for each', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['run', 'bench', 'machines']) {
      expect(r.out).toMatch(new RegExp(`^  ${c}\\s`, 'm'));
      const help = await cli(c, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`^Usage: delm ${c}`));
    }
    expect((await cli('nonsense')).code).toBe(2);
  });
});
