import { describe, expect, it } from 'vitest';
import { MissingApiKeyError } from '../../src/errors.js';
import * as delm from '../../src/index.js';
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

  it('refuse a base URL that is not http(s), naming the variable, never showing a password', () => {
    const refusal = (spec: string, env: NodeJS.ProcessEnv = {}) => {
      try {
        parseModelSpec(spec, env);
      } catch (error) {
        return `${(error as { code?: string }).code} ${(error as Error).message}`;
      }
      throw new Error(`${spec} with ${JSON.stringify(env)} was accepted`);
    };
    for (const [variable, spec] of [
      ['OPENAI_BASE_URL', 'openai:gpt-4.1-mini'],
      ['ANTHROPIC_BASE_URL', 'anthropic:claude-haiku-4-5'],
    ] as const) {
      expect(refusal(spec, { [variable]: 'not a url' })).toMatch(
        new RegExp(`^INVALID_CONFIG ${variable} "not a url" is not a URL`),
      );
      expect(refusal(spec, { [variable]: 'localhost:8080' })).toMatch(
        new RegExp(`^INVALID_CONFIG ${variable} "localhost:8080" is not an http\\(s\\) URL`),
      );
      expect(refusal(spec, { [variable]: 'ftp://127.0.0.1/v1' })).toMatch(/is not an http\(s\) URL/);
      const credentials = refusal(spec, { [variable]: 'https://alice:hunter2-SECRET@127.0.0.1/v1' });
      expect(credentials).toMatch(new RegExp(`^INVALID_CONFIG ${variable} cannot carry a user name or password`));
      const noScheme = refusal(spec, { [variable]: 'alice:hunter2-SECRET@127.0.0.1:8080' });
      expect(noScheme).toMatch(/is not an http\(s\) URL/);
      expect(`${credentials} ${noScheme}`).not.toContain('hunter2');
    }
    expect(refusal('openai-compatible:llama@ftp://127.0.0.1/v1')).toMatch(
      /^INVALID_CONFIG invalid model .*"ftp:\/\/127.0.0.1\/v1" is not an http\(s\) URL/,
    );
    expect(refusal('openai-compatible:llama@localhost:11434/v1')).toMatch(/is not an http\(s\) URL/);
    const noScheme = refusal('openai-compatible:llama@alice:hunter2-SECRET@127.0.0.1:1');
    expect(noScheme).toMatch(/is not an http\(s\) URL/);
    expect(noScheme).not.toContain('hunter2');
    expect(parseModelSpec('openai:gpt-4.1', { OPENAI_BASE_URL: 'https://proxy.example/v1' })).toMatchObject({
      baseURL: 'https://proxy.example/v1',
    });
  });

  it('name the missing environment variable before anything starts', () => {
    expect(() => checkModelCredentials(parseModelSpec('openai:gpt-4.1', {}), {})).toThrow(MissingApiKeyError);
    // It says what works for a CLI user and for a program using the package: there is no apiKey
    // option, and createModel (which the message used to name) is not exported; createSwarm is.
    const message =
      'openai needs an API key: set the OPENAI_API_KEY environment variable (a program sets it in process.env before createSwarm)';
    expect(() => createModel('openai:gpt-4.1', { env: {} })).toThrow(message);
    expect(Object.keys(delm).filter((name) => new RegExp(`\\b${name}\\b`).test(message))).toEqual(['createSwarm']);
    expect(createModel('openai:gpt-4.1', { env: { OPENAI_API_KEY: 'sk-test-123456789' } }).id).toBe('openai:gpt-4.1');
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
