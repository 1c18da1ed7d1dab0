// The Redis options of a run on the command line: `delm run --redis` takes --keep-finished-ms and
// --member-ttl-ms (stored with the run, which workers and resumes follow), `delm serve --redis` takes
// --member-ttl-ms; every command's help says so, and bad values are usage errors (exit 2).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { runPrefix } from '../../src/redis/client.js';
import { privateRedisServer } from '../helpers/redis-server.js';
import { eventually, startTestServer } from '../server/helpers.js';
import { http } from '../helpers/http.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const redis = privateRedisServer({ beforeAll, afterAll });
const tmp = mkdtempSync(join(tmpdir(), 'delm-redis-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = (...argv: string[]) => runCli(tmp, argv);

/** The run's stored keep settings. */
async function keepOf(url: string, runId: string): Promise<{ keep: string | null; memberTtl: string | null }> {
  const client = createClient({ url });
  await client.connect();
  try {
    const [keep, memberTtl] = await client.hmGet(`${runPrefix(runId)}r:meta`, ['keep', 'memberTtl']);
    return { keep: keep ?? null, memberTtl: memberTtl ?? null };
  } finally {
    await client.close();
  }
}

describe('Redis options on the command line', () => {
  it('every command that takes part in a run in Redis documents keepFinishedMs and memberTtlMs', async () => {
    for (const command of ['run', 'worker', 'resume', 'serve']) {
      const help = await cli(command, '--help');
      expect(help.code).toBe(0);
      expect(help.out, command).toContain('keepFinishedMs');
      expect(help.out, command).toContain('memberTtlMs');
    }
    const run = (await cli('run', '--help')).out;
    expect(run).toMatch(/^ {2}--keep-finished-ms <ms>$/m);
    expect(run).toMatch(/^ {2}--member-ttl-ms <ms> /m);
    expect((await cli('serve', '--help')).out).toMatch(/^ {2}--member-ttl-ms <ms> /m);
  });

  it('refuses values out of range, and the flags without --redis, as usage errors', async () => {
    const { url } = redis();
    for (const args of [
      ['run', DATA, '--redis', url, '--member-ttl-ms', '100'],
      ['run', DATA, '--redis', url, '--keep-finished-ms', '0'],
      ['run', DATA, '--keep-finished-ms', '60000'],
      ['serve', '--member-ttl-ms', '2000'],
      ['serve', '--redis', url, '--member-ttl-ms', '100'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/member-ttl-ms|keep-finished-ms|memberTtlMs/);
    }
  });

  it('delm run --redis stores both with the run; its keys expire after --keep-finished-ms', async () => {
    const { url } = redis();
    const out = join(tmp, 'run');
    const r = await cli(
      'run',
      DATA,
      '--out',
      out,
      '--limit',
      '1',
      '--agents',
      '2',
      '--redis',
      url,
      '--keep-finished-ms',
      '60000',
      '--member-ttl-ms',
      '2000',
    );
    expect(r.code, r.err).toBe(0);
    const runId = /run (\S+) in Redis/.exec(r.out)?.[1];
    expect(runId, r.out).toBeDefined();
    expect(await keepOf(url, runId!)).toEqual({ keep: '60000', memberTtl: '2000' });
    const client = createClient({ url });
    await client.connect();
    try {
      const ttl = await client.pTTL(`${runPrefix(runId!)}q:meta`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('startServer({ redis: { memberTtlMs } }) (delm serve --member-ttl-ms) stores it with each run', async () => {
    const { url } = redis();
    const server = await startTestServer({ redis: { url, memberTtlMs: 2_000 } });
    try {
      const reply = await http(`${server.url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'count the findings', subTasks: [{ payload: 'a' }] }),
      });
      expect(reply.status, reply.body).toBe(202);
      const { id } = reply.json<{ id: string }>();
      expect(
        await eventually(async () => ((await keepOf(url, id)).memberTtl === null ? undefined : keepOf(url, id))),
      ).toEqual({
        keep: String(15 * 60_000), // retainMs
        memberTtl: '2000',
      });
    } finally {
      await server.close();
    }
  }, 120_000);
});
