/**
 * An answer that rests on nothing verified shows in the records: a provider whose agents propose
 * nothing (every step "done", no finding) still gets an answer from delm's final agent, over a ledger
 * that holds only the task and its documents. results.csv's verified_entries and summary.json's
 * answersWithoutVerifiedEntries say so; modes without a ledger leave both empty.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/records/csv.js';
import { runCli } from '../helpers/cli.js';
import { offlineAnswer } from '../providers/servers/offline-answers.js';
import { openaiReply } from '../providers/servers/wire-server.js';
import { startWireServer, type WireServer } from '../providers/servers/wire-server.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-empty-ledger-'));

const rows = (dir: string) => {
  const [header, ...lines] = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  return lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!])));
};
const ledgerKinds = (dir: string, item: string) =>
  readFileSync(join(dir, 'ledger', 'delm', `${item}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { kind: string }).kind);
type Summary = { mode: string; items: number; answersWithoutVerifiedEntries: number | null };
const summaries = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { summaries: Summary[] }).summaries;

describe('an answer over an empty ledger', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startWireServer();
    server.otherwise(async (req) => {
      // Every agent step finds nothing; the planner, the final agent and the single pass answer as offline.
      if (req.body?.response_format?.json_schema?.name === 'delm_agent_step')
        return openaiReply(JSON.stringify({ proposals: [], unfold: [], followUps: [], done: true }), {
          prompt_tokens: 100,
          completion_tokens: 10,
          prompt_tokens_details: { cached_tokens: 0 },
        });
      return offlineAnswer(req);
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is marked in results.csv (verified_entries 0) and counted in summary.json, in delm run and delm bench', async () => {
    const model = `openai-compatible:local@${server.url}/v1`;
    const out = join(tmp, 'bench');
    const r = await runCli(tmp, [
      'bench',
      DATA,
      ...['--modes', 'delm,single', '--model', model, '--limit', '2', '--agents', '2', '--out', out],
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const delm = rows(out).filter((row) => row.mode === 'delm');
    // delm answered both items, with nothing but the task and its documents in the ledger.
    expect(delm.map((row) => [row.stop_reason, row.predicted === '-' ? 'none' : 'letter'])).toEqual([
      ['answered', 'letter'],
      ['answered', 'letter'],
    ]);
    for (const row of delm) expect(new Set(ledgerKinds(out, row.item_id!))).toEqual(new Set(['raw', 'answer']));
    // Before: no column said so.
    expect(delm.map((row) => row.verified_entries)).toEqual(['0', '0']);
    expect(
      rows(out)
        .filter((row) => row.mode === 'single')
        .map((row) => row.verified_entries),
    ).toEqual(['', '']);
    expect(r.out).toContain('delm answered 2 of 2 items with no verified entry in its ledger');
    expect(readFileSync(join(out, 'bench.md'), 'utf8')).toContain('delm answered 2 of 2 items with no verified entry');
    expect(summaries(out).map((s) => [s.mode, s.answersWithoutVerifiedEntries])).toEqual([
      ['delm', 2],
      ['single', null],
    ]);

    // delm run records the same; with the offline model's findings the count is theirs.
    const run = join(tmp, 'run');
    expect(
      (await runCli(tmp, ['run', DATA, '--model', model, '--limit', '1', '--agents', '2', '--out', run])).code,
    ).toBe(0);
    expect(rows(run).map((row) => row.verified_entries)).toEqual(['0']);
    expect(summaries(run)[0]!.answersWithoutVerifiedEntries).toBe(1);
    const offline = join(tmp, 'offline');
    expect((await runCli(tmp, ['run', DATA, '--limit', '1', '--agents', '2', '--out', offline])).code).toBe(0);
    const [row] = rows(offline);
    const findings = ledgerKinds(offline, row!.item_id!).filter((k) => !['raw', 'failure', 'answer'].includes(k));
    expect(findings.length).toBeGreaterThan(0);
    expect(row!.verified_entries).toBe(String(findings.length));
    expect(summaries(offline)[0]!.answersWithoutVerifiedEntries).toBe(0);
  }, 300_000);
});
