import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';

const lines = () => {
  const out: string[] = [];
  return { out, destination: { write: (s: string) => void out.push(s) } };
};

describe('createLogger', () => {
  it('keeps keys, tokens and authorization headers out of every line, by key and by value', () => {
    const { out, destination } = lines();
    const secret = 'serve-token-0123456789abcdef';
    const log = createLogger({ destination, level: 'debug', secrets: [secret] });
    log.info(
      {
        token: secret,
        apiKey: 'sk-proj-abcdef0123456789',
        headers: { authorization: `Bearer ${secret}`, 'x-api-key': 'k-1', accept: 'json' },
      },
      'request',
    );
    log.child({ reqId: 'r1' }).warn(
      {
        req: { headers: { authorization: 'Basic Zm9vOmJhcg==' } },
        detail: `upstream said ${secret} and sk-ant-api03-xyzxyzxyz`,
      },
      `message with ${secret}`,
    );
    log.debug(`plain ${secret}`);
    const text = out.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('sk-proj-abcdef0123456789');
    expect(text).not.toContain('sk-ant-api03');
    expect(text).not.toContain('Zm9vOmJhcg');
    expect(text).not.toContain('"k-1"');
    const parsed = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(3);
    expect(parsed[0]).toMatchObject({
      level: 30,
      msg: 'request',
      token: '[redacted]',
      headers: { authorization: '[redacted]', accept: 'json' },
    });
    expect(parsed[1]).toMatchObject({ reqId: 'r1', msg: 'message with [redacted]' });
  });

  it('logs nothing below its level', () => {
    const { out, destination } = lines();
    const log = createLogger({ destination, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(out.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});
