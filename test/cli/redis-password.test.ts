// A Redis that wants a password: the CLI takes it from DELM_REDIS_PASSWORD (out of process lists)
// when the --redis URL carries none, and without it (or with a password it cannot decode) fails
// before anything runs, as a usage error that never prints it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { privateRedisServer } from '../helpers/redis-server.js';

const DATA = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const PASSWORD = 'pw with @:/ and % in it';
const redis = privateRedisServer({ beforeAll, afterAll }, ['--requirepass', PASSWORD]);
const tmp = mkdtempSync(join(tmpdir(), 'delm-redis-password-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (out: string, url: string, env: NodeJS.ProcessEnv) =>
  runCli(
    tmp,
    ['run', DATA, '--out', join(tmp, out), '--limit', '1', '--agents', '2', '--redis', url, '--log', 'json'],
    env,
  );

describe('the Redis password on the command line', () => {
  it('delm run --redis takes it from DELM_REDIS_PASSWORD and never prints it', async () => {
    const { url } = redis();
    const r = await run('with', url, { ...process.env, DELM_REDIS_PASSWORD: PASSWORD });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/run \S+ in Redis/);
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out + r.err).not.toContain(encodeURIComponent(PASSWORD));
  }, 120_000);

  it('without it the run fails at the start with a usage exit and a reason', async () => {
    const { url } = redis();
    const env = { ...process.env };
    delete env.DELM_REDIS_PASSWORD;
    const r = await run('without', url, env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Redis/);
    expect(r.err).toMatch(/NOAUTH|auth/i);
  }, 60_000);

  it('a password in the URL wins over the environment', async () => {
    const { port } = redis();
    const r = await run('url', `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, {
      ...process.env,
      DELM_REDIS_PASSWORD: 'not the password',
    });
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toContain(PASSWORD);
  }, 120_000);

  it('a password written into the URL without percent-encoding is refused plainly, before connecting', async () => {
    const { port } = redis();
    const r = await run('stray', `redis://:50%off@127.0.0.1:${port}`, process.env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not percent-encoded.*\[INVALID_CONFIG\]/);
    expect(r.err).not.toContain('50%off');
  });
});
