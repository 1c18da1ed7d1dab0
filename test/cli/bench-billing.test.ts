/**
 * `delm bench` against an OpenAI-compatible server (the real OpenAI SDK, a local wire server answering
 * as the offline model): every request the server saw, and so billed, is a call the records show, in
 * every mode — no unrecorded warm-up.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/records/csv.js';
import { warmUpIsFree } from '../../src/evaluation/warm-up.js';
import { runCli } from '../helpers/cli.js';
import { offlineAnswer } from '../providers/servers/offline-answers.js';
import { startWireServer, type WireServer } from '../providers/servers/wire-server.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'delm-bench-billing-'));

describe('delm bench against a provider', () => {
  let server: WireServer;
  let billedInput = 0;
  beforeAll(async () => {
    server = await startWireServer();
    server.otherwise(async (req) => {
      const reply = await offlineAnswer(req);
      billedInput += (reply.body as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
      return reply;
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['delm', 'orchestrator', 'single'])(
    'records every call the server saw in %s mode',
    async (mode) => {
      server.requests.length = 0;
      billedInput = 0;
      const out = join(tmp, mode);
      const model = `openai-compatible:local@${server.url}/v1`;
      const r = await runCli(tmp, [
        'bench',
        DATA,
        '--modes',
        mode,
        '--model',
        model,
        '--limit',
        '2',
        '--agents',
        '2',
        '--out',
        out,
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const [header, ...lines] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
      const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!])));
      expect(rows.map((row) => row.stop_reason)).toEqual(['answered', 'answered']);
      const recorded = rows.reduce((n, row) => n + Number(row.model_calls), 0);
      const recordedInput = rows.reduce((n, row) => n + Number(row.input_tokens), 0);
      expect(server.requests.length).toBe(recorded);
      expect(readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(recorded);
      expect(recordedInput).toBe(billedInput);
    },
    120_000,
  );
});

describe('warmUpIsFree', () => {
  it('is true for the offline model with local tools only, false for anything that may call out', () => {
    expect(warmUpIsFree({})).toBe(true);
    expect(warmUpIsFree({ model: { provider: 'offline', latency: { perCallMs: 5 } }, tools: { use: ['grep'] } })).toBe(
      true,
    );
    expect(warmUpIsFree({ model: 'openai-compatible:local@http://127.0.0.1:1/v1' })).toBe(false);
    expect(warmUpIsFree({ model: { module: 'file:///m.js' } })).toBe(false);
    expect(warmUpIsFree({ judgeModel: 'openai:gpt-4.1-mini' })).toBe(false);
    expect(warmUpIsFree({ tools: { use: [{ module: 'file:///t.js' }] } })).toBe(false);
    expect(warmUpIsFree({ tools: { use: [], mcpServers: [{ name: 'docs', url: 'http://127.0.0.1:1/mcp' }] } })).toBe(
      false,
    );
  });
});
