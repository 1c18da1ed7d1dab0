// `delm resume` of an item's run that `delm run --redis` started: the coordinator is SIGKILLed mid-item,
// `delm resume` finishes the run and writes the item's records into the run's --out folder, scored, so
// `delm run --resume` on that folder goes on with the next item instead of running this one again.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/records/csv.js';
import { runPrefix } from '../../src/redis/client.js';
import { extractAnswer } from '../../src/workloads/longbench.js';
import { childProcesses } from '../helpers/child-process.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { runCli } from '../helpers/cli.js';

const server = privateRedisServer({ beforeAll, afterAll });
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));
const DATA = fileURLToPath(new URL('../../examples/multidoc/data.json', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'delm-resume-records-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const children = childProcesses();
afterEach(() => children.killAll());
/** Starts `delm <args>` in `tmp`. */
const delm = (args: string[]) => children.start([bin, ...args], undefined, tmp);

const rows = (dir: string) => {
  const [header, ...lines] = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  return lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!])));
};
const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('delm resume of a delm run --redis item', () => {
  it("writes the item's records into the run's folder, scored, and delm run --resume goes on from there", async () => {
    const url = server().url;
    const out = join(tmp, 'run');
    const args = ['run', DATA, '--redis', url, '--out', out, '--limit', '2', '--agents', '2', '--latency', '150'];
    const lead = delm(args);
    const started = /^item delm-lic-01: run (\S+) in Redis$/;
    const runId = started.exec(await lead.waitFor((l) => started.test(l), 60_000))![1]!;
    const client = createClient({ url });
    await client.connect();
    const prefix = runPrefix(runId);
    let held: { value: string; score: number } | undefined;
    let text: string;
    try {
      // Killed once the item's plan is enqueued and some of its sub-tasks are done.
      for (const until = Date.now() + 60_000; Date.now() < until;) {
        if (Number(await client.hGet(`${prefix}q:meta`, 'done')) >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      lead.child.kill('SIGKILL');
      await lead.exited;
      expect(rows(out)).toEqual([]);
      // What the dead process's agents held (an agent completes a task and claims the next in one call).
      [held] = await client.zRangeWithScores(`${prefix}q:leases`, 0, 0);
      expect(held, 'the killed coordinator held no task').toBeDefined();

      const resume = delm(['resume', '--redis', url, '--run', runId]);
      text = await resume.output();
      expect(await resume.exited, `${text}\n${resume.stderr()}`).toBe(0);
      expect(text).toContain(`run ${runId}: answered`);
      // The dead coordinator ran on this machine: its task went back at once, not when its 30 s lease ran out.
      expect(text).toMatch(new RegExp(`process \\S+ left the run holding task\\(s\\) [\\d, ]*\\b${held!.value}\\b`));
      const reclaimed = await client.hmGet(`${prefix}q:t:${held!.value}`, ['state', 'attempts', 'deadline']);
      expect(reclaimed.slice(0, 2)).toEqual(['done', '2']);
      const leaseMs = Number(await client.hGet(`${prefix}q:meta`, 'leaseMs'));
      expect(Number(reclaimed[2]) - leaseMs, 'claimed again only once the lease ran out').toBeLessThan(held!.score);
    } finally {
      await client.close();
    }
    expect(text).toMatch(new RegExp(`records: ${out} \\(item delm-lic-01: (correct|wrong), [A-D-]\\)`));
    // Before: nothing was written; the folder still had no row for the item.
    const [row] = rows(out);
    expect(rows(out)).toHaveLength(1);
    expect(row).toMatchObject({ item_id: 'delm-lic-01', mode: 'delm', stop_reason: 'answered' });
    expect(Number(row!.verified_entries)).toBeGreaterThan(0);
    expect(Number(row!.model_calls)).toBeGreaterThan(0);
    // Scored against the folder's workload, re-checkable from answers.jsonl alone.
    const [answer] = jsonl(join(out, 'answers.jsonl'));
    expect(answer).toMatchObject({ mode: 'delm', item: 'delm-lic-01', predicted: row!.predicted });
    expect(answer!.expected).toMatch(/^[A-D]$/);
    expect(extractAnswer(String(answer!.answer)) ?? '-').toBe(row!.predicted);
    expect(String(row!.predicted === answer!.expected)).toBe(row!.correct);
    const events = jsonl(join(out, 'events.jsonl'));
    expect(events.filter((e) => e.type === 'usage').length).toBeGreaterThan(0);
    expect(events.every((e) => e.mode === 'delm' && e.item === 'delm-lic-01')).toBe(true);
    const trajectory = jsonl(join(out, 'trajectories', 'delm', 'delm-lic-01.jsonl'));
    expect(trajectory.filter((e) => e.type === 'run.started')).toHaveLength(2);
    expect(existsSync(join(out, 'ledger', 'delm', 'delm-lic-01.jsonl'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).summaries[0]).toMatchObject({
      mode: 'delm',
      items: 1,
    });
    expect(existsSync(join(tmp, 'runs'))).toBe(false);

    // The run goes on with the next item: the resumed one is not run again.
    const resumed = await runCli(tmp, [...args, '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(rows(out).map((r) => r.item_id)).toEqual(['delm-lic-01', 'delm-lic-02']);
    expect(rows(out)[0]).toEqual(row);
  }, 300_000);
});
