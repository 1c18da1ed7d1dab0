import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { InvalidConfigError } from '../../src/errors.js';
import { startServer } from '../../src/server/index.js';
import { http } from '../helpers/http.js';
import { eventually } from './helpers.js';

const TOKEN = 'cli-token-0123456789abcdef';

/** Runs `delm serve …` in-process; `stop()` aborts it like SIGINT and resolves to the exit code. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const ac = new AbortController();
  const io = { out: '', err: '' };
  const exit = main(['serve', ...args], {
    signal: ac.signal,
    env,
    out: (s) => void (io.out += s),
    err: (s) => void (io.err += s),
    isTTY: false,
  });
  const url = () =>
    eventually(
      async () =>
        /listening on (http:\/\/\S+)/.exec(io.out)?.[1] ?? (io.err ? Promise.reject(new Error(io.err)) : undefined),
    );
  return { io, exit, url, stop: () => (ac.abort(), exit) };
}

describe('delm serve', () => {
  it('prints the URL it listens on, serves /healthz and a chat completion, and stops cleanly on its signal', async () => {
    const cli = serve(['--port', '0', '--agents', '1', '--protocol', 'basic', '--max-concurrent-runs', '1']);
    const url = await cli.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await http(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', runs: { running: 0, queued: 0, retained: 0 } });
    // The offline model (not an LLM) with the basic protocol answers from the attached source.
    const completion = await http(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'delm',
        messages: [{ role: 'user', content: 'Is there a warranty?' }],
        delm: { sources: [{ label: 'D1', text: 'The software is provided as is, without warranty of any kind.' }] },
      }),
    });
    const body = completion.json<{ choices: Array<{ message: { content: string } }> }>();
    expect(body.choices[0]!.message.content).toContain('without warranty of any kind');
    // Without a token, a request addressed to another name (a DNS-rebinding page) is refused.
    const rebound = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      get(`${url}/v1/models`, { headers: { host: 'attacker.example:8787' } }, (res) => {
        let body = '';
        res
          .on('data', (c: Buffer) => (body += c.toString()))
          .on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { type: 'permission_error' } });
    expect(await cli.stop()).toBe(0);
    expect(cli.io.err).toContain('stopping');
    await expect(http(`${url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('hosts each swarm on --threads worker threads', async () => {
    const cli = serve(['--port', '0', '--agents', '3', '--threads', '1', '--protocol', 'basic']);
    const url = await cli.url();
    const created = await http(`${url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Is there a warranty?', sources: [{ label: 'D1', text: 'Provided as is.' }] }),
    });
    expect(created.status).toBe(202);
    // The stream of a run ends with run.finished.
    const events = await http(`${url}/v1/runs/${created.json<{ id: string }>().id}/events`);
    const started = /event: run\.started\ndata: (.*)/.exec(events.body)?.[1];
    expect(JSON.parse(started ?? '{}')).toMatchObject({ type: 'run.started', agents: 3, threads: 1 });
    expect(events.body).toContain('event: run.finished');
    expect(await cli.stop()).toBe(0);
  });

  it('with --inspect, shows every run it serves in the live inspector, and closes both on its signal', async () => {
    const cli = serve(['--port', '0', '--agents', '1', '--protocol', 'basic', '--inspect']);
    const url = await cli.url();
    const inspector = /inspector: (\S+)/.exec(cli.io.out)?.[1];
    expect(inspector).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const started = await http(`${url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'Is there a warranty?',
        sources: [{ label: 'D1', text: 'The software is provided as is, without warranty of any kind.' }],
      }),
    });
    const { id } = started.json<{ id: string }>();
    const shown = await eventually(async () => {
      const runs = (await http(new URL('api/runs', inspector))).json<
        Array<{ id: string; label: string; status: string }>
      >();
      return runs.find((r) => r.id === id && r.status === 'finished');
    });
    expect(shown.label).toBe('run 1');
    expect(await cli.stop()).toBe(0);
    await expect(http(inspector!)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('takes the bearer token from DELM_SERVE_TOKEN and never prints it', async () => {
    const cli = serve(['--port', '0', '--agents', '1', '--protocol', 'basic', '--max-concurrent-runs', '1'], {
      DELM_SERVE_TOKEN: TOKEN,
    });
    const url = await cli.url();
    expect((await http(`${url}/v1/models`)).status).toBe(401);
    expect((await http(`${url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(await cli.stop()).toBe(0);
    expect(cli.io.out).toContain('bearer token required');
    expect(cli.io.out + cli.io.err).not.toContain(TOKEN);
  });

  it('keeps provider keys in its environment out of its log lines', async () => {
    // Not shaped like a known provider's key, so only the environment can say it is one.
    const key = 'local-gateway-credential-4d7f2a9c';
    const cli = serve(['--port', '0', '--log', 'json'], { GATEWAY_API_KEY: key });
    const url = await cli.url();
    // A request whose path holds the key: the access line logs the path.
    expect((await http(`${url}/v1/${key}`)).status).toBe(404);
    expect(await cli.stop()).toBe(0);
    expect(cli.io.err).toMatch(/"path":"\/v1\/[^"]+","status":404/);
    expect(cli.io.err).not.toContain(key);
  });

  it('refuses a non-loopback host without a token (exit 2), and never echoes a rejected token', async () => {
    const noToken = serve(['--host', '0.0.0.0', '--port', '0']);
    expect(await noToken.exit).toBe(2);
    expect(noToken.io.err).toMatch(/token: a bearer token is required to listen on 0\.0\.0\.0/);
    expect(noToken.io.out).toBe('');
    const short = serve(['--host', '0.0.0.0', '--port', '0', '--token', 'tinysecret']);
    expect(await short.exit).toBe(2);
    expect(short.io.err).toMatch(/at least 16 characters/);
    expect(short.io.err).not.toContain('tinysecret');
  });

  it.skipIf(process.env.OPENAI_API_KEY)(
    'fails before listening when the model needs a key that is not set',
    async () => {
      const cli = serve(['--port', '0', '--model', 'openai:gpt-4.1-mini']);
      expect(await cli.exit).toBe(2);
      expect(cli.io.err).toMatch(/OPENAI_API_KEY/);
      expect(cli.io.out).toBe('');
    },
  );

  it('rejects bad flags with exit 2 and prints its help', async () => {
    for (const args of [
      ['--port', '70000'],
      ['--protocol', 'nope'],
      ['--agents', '0'],
      ['--threads', '0'],
      ['--max-queued-runs', '-1'],
      ['--bogus'],
    ]) {
      const cli = serve(args);
      expect(await cli.exit).toBe(2);
      expect(cli.io.err).toContain('Usage: delm serve');
    }
    const help = serve(['--help']);
    expect(await help.exit).toBe(0);
    expect(help.io.out).toContain('POST   /v1/chat/completions');
  });
});

describe('startServer options', () => {
  it('requires a token off loopback and lists every bad option', async () => {
    await expect(startServer({ host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(InvalidConfigError);
    const error = (await startServer({ host: '192.168.1.10', port: 0, maxBodyBytes: 0 }).catch(
      (e: unknown) => e,
    )) as InvalidConfigError;
    expect(error.issues).toEqual([
      expect.stringMatching(/^maxBodyBytes: /),
      expect.stringMatching(/^token: a bearer token is required to listen on 192\.168\.1\.10/),
    ]);
  });
});
