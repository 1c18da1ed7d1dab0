// --resume with a smaller --limit than the rows already recorded: the summary covers what the limit says.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../../src/records/csv.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-limit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(tmp, argv);
const rows = (dir: string) => parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8')).slice(1);
const summary = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    limit?: number;
    rowsBeyondLimit?: number;
    summaries: Array<{ mode: string; items: number }>;
  };

describe('--resume with a smaller --limit', () => {
  it('delm run summarises the first --limit items and says how many recorded rows it left out', async () => {
    const out = join(tmp, 'run');
    const args = ['run', DATA, '--mode', 'single', '--out', out];
    expect((await cli(...args, '--limit', '3')).code).toBe(0);
    expect(summary(out).summaries[0]).toMatchObject({ mode: 'single', items: 3 });
    const smaller = await cli(...args, '--limit', '1', '--resume');
    expect(smaller.code).toBe(0);
    // The rows stay; the summary is of the one item the command covers. Before: items 3.
    expect(rows(out)).toHaveLength(3);
    expect(summary(out)).toMatchObject({ limit: 1, rowsBeyondLimit: 2 });
    expect(summary(out).summaries).toEqual([expect.objectContaining({ mode: 'single', items: 1 })]);
    expect(smaller.out).toMatch(/^single\s+1\s/m);
    expect(smaller.out).toContain('2 rows of items beyond --limit 1 stay in results.csv, not summarised');
    // The full limit again: everything recorded is summarised, nothing is left out.
    expect((await cli(...args, '--limit', '3', '--resume')).code).toBe(0);
    expect(summary(out).summaries[0]).toMatchObject({ items: 3 });
    expect(summary(out).rowsBeyondLimit).toBeUndefined();
  }, 300_000);

  it('delm bench does the same for every mode, in its table and bench.md', async () => {
    const out = join(tmp, 'bench');
    const args = ['bench', DATA, '--modes', 'orchestrator,single', '--agents', '2', '--out', out];
    expect((await cli(...args, '--limit', '2')).code).toBe(0);
    const smaller = await cli(...args, '--limit', '1', '--resume');
    expect(smaller.code).toBe(0);
    expect(rows(out)).toHaveLength(4);
    expect(summary(out)).toMatchObject({ limit: 1, rowsBeyondLimit: 2 });
    expect(summary(out).summaries.map((s) => [s.mode, s.items])).toEqual([
      ['orchestrator', 1],
      ['single', 1],
    ]);
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toMatch(/^\| single \| 1 \|/m);
  }, 300_000);
});
