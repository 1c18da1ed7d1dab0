import { describe, expect, it } from 'vitest';
import { DelmError, InvalidConfigError, LedgerFullError, MissingApiKeyError, isDelmError } from '../src/errors.js';

describe('errors', () => {
  it('carry a stable code and their class name', () => {
    const e = new LedgerFullError(2048, 1024, 'bytes');
    expect(e).toBeInstanceOf(DelmError);
    expect(e.code).toBe('LEDGER_FULL');
    expect(e.name).toBe('LedgerFullError');
    expect(e.message).toMatch(/maxBytes/);
  });

  it('list every config issue in the message', () => {
    const e = new InvalidConfigError('invalid swarm options', ['agents: must be >= 1', 'model: required']);
    expect(e.message).toContain('agents: must be >= 1');
    expect(e.issues).toHaveLength(2);
  });

  it('name the environment variable for a missing key', () => {
    expect(new MissingApiKeyError('openai', 'OPENAI_API_KEY').message).toContain('OPENAI_API_KEY');
  });

  it('survive a structured clone as a recognisable plain object', () => {
    const cloned = structuredClone(new LedgerFullError(1, 0, 'entries').toJSON());
    expect(isDelmError(cloned, 'LEDGER_FULL')).toBe(true);
    expect(isDelmError(cloned, 'QUEUE_FULL')).toBe(false);
    expect(isDelmError(new Error('x'))).toBe(false);
  });
});
