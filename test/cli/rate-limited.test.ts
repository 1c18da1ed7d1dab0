/**
 * `delm run` against an OpenAI-compatible server that answers every request with 429 (the real OpenAI
 * SDK, a local wire server): each mode ends the item in error, saying why in results.csv, with every
 * call it made in events.jsonl, after a bounded number of requests (the provider layer's 5 per call,
 * nobody retrying what it gave up on).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/providers/resilient.js';
import { parseCsv } from '../../src/records/csv.js';
import { runCli } from '../helpers/cli.js';
import { startWireServer, type WireServer } from '../providers/servers/wire-server.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-rate-limited-'));
const PER_CALL = DEFAULT_RETRY.maxRetries + 1;

describe('delm run against a provider that always answers 429', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startWireServer();
    server.otherwise(async () => ({
      status: 429,
      headers: { 'retry-after-ms': '1' },
      body: { error: { message: 'slow down', type: 'rate_limit' } },
    }));
  });
  afterAll(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['delm', 'orchestrator', 'single'])(
    '%s: ends the item in error with the reason recorded, every call in the records, 5 requests a call',
    async (mode) => {
      server.requests.length = 0;
      const out = join(tmp, mode);
      const r = await runCli(tmp, [
        'run',
        DATA,
        '--mode',
        mode,
        '--model',
        `openai-compatible:local@${server.url}/v1`,
        '--limit',
        '1',
        '--agents',
        '2',
        '--out',
        out,
      ]);
      expect(r.code).toBe(1);
      const [header, ...lines] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
      expect(lines).toHaveLength(1);
      const row = Object.fromEntries(header!.map((h, i) => [h, lines[0]![i]!]));
      expect(row.stop_reason).toBe('error');
      expect(row.error).toMatch(/^RATE_LIMITED: .*HTTP 429.*gave up after 5 requests/);
      // Every call is recorded (with nothing used), and each made exactly the provider layer's requests.
      const calls = Number(row.model_calls);
      expect(calls).toBeGreaterThan(0);
      expect(readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(calls);
      // delm: one call per sub-task and the final decision; the orchestrator's first wave (a worker per
      // agent: the one still retrying when the other gave up is stopped, and recorded); a single pass's one call.
      expect(calls).toBe({ delm: Number(row.sub_tasks) + 1, orchestrator: 2, single: 1 }[mode]);
      // At most 5 requests a call (a stopped call may have made fewer), and no request unrecorded.
      expect(server.requests.length).toBeLessThanOrEqual(calls * PER_CALL);
      expect(server.requests.length).toBeGreaterThan((calls - 1) * PER_CALL);
      if (mode !== 'orchestrator') expect(server.requests).toHaveLength(calls * PER_CALL);
    },
    120_000,
  );
});
