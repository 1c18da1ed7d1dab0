import { describe, expect, it } from 'vitest';
import { MissingApiKeyError } from '../../src/errors.js';
import { checkModelCredentials, createModel, parseModelSpec } from '../../src/providers/index.js';
import { costOf } from '../../src/providers/pricing.js';

describe('model strings', () => {
  it('parse every provider form', () => {
    expect(parseModelSpec('offline', {})).toEqual({ provider: 'offline', model: 'offline' });
    expect(parseModelSpec('openai:gpt-4.1-mini', { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' })).toEqual({
      provider: 'openai',
      model: 'gpt-4.1-mini',
      baseURL: 'http://127.0.0.1:1/v1',
    });
    expect(parseModelSpec('anthropic:claude-haiku-4-5', {})).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(parseModelSpec('openai-compatible:qwen2.5:7b@http://localhost:11434/v1', {})).toEqual({
      provider: 'openai-compatible',
      model: 'qwen2.5:7b',
      baseURL: 'http://localhost:11434/v1',
    });
  });

  it('reject what they cannot parse, listing the accepted forms', () => {
    expect(() => parseModelSpec('gpt-4', {})).toThrow(/unknown model provider "gpt-4".*openai:<model>/);
    expect(() => parseModelSpec('openai:', {})).toThrow(/invalid model/);
    expect(() => parseModelSpec('openai-compatible:llama', {})).toThrow(/<model>@<baseURL>/);
    expect(() => parseModelSpec('openai-compatible:llama@not a url', {})).toThrow(/not a URL/);
  });

  it('refuse a base URL with credentials (fetch would refuse every call), never showing the password', () => {
    const refusal = (spec: string) => {
      try {
        parseModelSpec(spec, {});
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${spec} was accepted`);
    };
    const withPassword = refusal('openai-compatible:llama@http://alice:hunter2-SECRET@127.0.0.1:1/v1');
    expect(withPassword).toMatch(/cannot carry a user name or password.*OPENAI_API_KEY/);
    expect(withPassword).toContain('alice:***@127.0.0.1');
    expect(refusal('openai-compatible:llama@http://alice@127.0.0.1:1/v1')).toMatch(/cannot carry a user name/);
    expect(refusal('openai-compatible:bad name@http://alice:hunter2-SECRET@127.0.0.1:1/v1')).not.toContain('hunter2');
  });

  it('name the missing environment variable before anything starts', () => {
    expect(() => checkModelCredentials(parseModelSpec('openai:gpt-4.1', {}), {})).toThrow(MissingApiKeyError);
    expect(() => createModel('anthropic:claude-haiku-4-5', { env: {} })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => createModel('openai:gpt-4.1', { env: {} })).toThrow(/OPENAI_API_KEY/);
    expect(() => createModel('openai-compatible:m@http://127.0.0.1:1/v1', { env: {} })).not.toThrow();
  });

  it('price calls from the table, counting cached input at its own rate, and flag unknown models', () => {
    expect(
      costOf('openai:gpt-4.1', { inputTokens: 1_000_000, cachedInputTokens: 500_000, outputTokens: 1_000_000 }),
    ).toEqual({ costUsd: 0.5 * 2 + 0.5 * 0.5 + 8, priced: true });
    expect(costOf('openai:some-future-model', { inputTokens: 10, cachedInputTokens: 0, outputTokens: 10 })).toEqual({
      costUsd: 0,
      priced: false,
    });
    expect(
      costOf(
        'x:y',
        { inputTokens: 1e6, cachedInputTokens: 0, outputTokens: 0 },
        { 'x:y': { input: 1, cachedInput: 0, output: 0 } },
      ).costUsd,
    ).toBe(1);
  });
});
