import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/providers/index.js';
import { sharedClient } from '../../src/providers/sdk-clients.js';
import { anthropicReply, openaiReply, useWireServer } from './servers/wire-server.js';

const wire = useWireServer();

describe('provider SDK clients shared within a thread', () => {
  it('makes one client per SDK, base URL and key, and makes again one that failed', async () => {
    let made = 0;
    const given: unknown[] = [];
    const make = (value: string) => (options: unknown) => {
      given.push(options);
      return Promise.resolve(`${value} ${++made}`);
    };
    const at = (baseURL: string | undefined, apiKey: string) => ({ baseURL, apiKey });
    const first = sharedClient('sdk', at('http://a', 'key-1'), make('a'));
    expect(sharedClient('sdk', at('http://a', 'key-1'), make('again'))).toBe(first);
    expect(await first).toBe('a 1');
    expect(await sharedClient('sdk', at('http://a', 'key-2'), make('other key'))).toBe('other key 2');
    expect(await sharedClient('sdk', at('http://b', 'key-1'), make('other url'))).toBe('other url 3');
    expect(await sharedClient('other', at('http://a', 'key-1'), make('other sdk'))).toBe('other sdk 4');
    expect(await sharedClient('sdk', at(undefined, 'key-1'), make('no url'))).toBe('no url 5');
    const failing = sharedClient('sdk', at('http://c', 'key-1'), () => Promise.reject(new Error('no SDK')));
    await expect(failing).rejects.toThrow('no SDK');
    expect(await sharedClient('sdk', at('http://c', 'key-1'), make('retried'))).toBe('retried 6');
    // Each client is made from its endpoint, with the SDK's own retries off.
    expect(given[0]).toEqual({ apiKey: 'key-1', baseURL: 'http://a', maxRetries: 0 });
    expect(given[4]).toEqual({ apiKey: 'key-1', maxRetries: 0 });
  });

  it('gives every model of the thread that reaches the same endpoint the same real SDK client', async () => {
    const env = { OPENAI_API_KEY: 'sk-shared-1234567890', OPENAI_BASE_URL: `${wire.current.url}/v1` };
    wire.current.script(openaiReply('one'), openaiReply('two'));
    const models = [createModel('openai:gpt-4.1-mini', { env }), createModel('openai:gpt-4.1', { env })];
    for (const m of models) await m.complete({ messages: [{ role: 'user', content: 'hi' }] });
    expect(wire.current.requests).toHaveLength(2);
    // The client both models used is the one this endpoint has: asking again makes none.
    const none = (): Promise<object> => Promise.reject(new Error('made a second client'));
    const client = await sharedClient('openai', { baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY }, none);
    expect(client.constructor.name).toBe('OpenAI');

    const anthropicEnv = { ANTHROPIC_API_KEY: 'sk-ant-shared-1234567890', ANTHROPIC_BASE_URL: wire.current.url };
    wire.current.script(anthropicReply({ text: 'three' }));
    await createModel('anthropic:claude-haiku-4-5', { env: anthropicEnv }).complete({
      messages: [{ role: 'user', content: 'hi' }],
    });
    const anthropic = await sharedClient(
      'anthropic',
      { baseURL: anthropicEnv.ANTHROPIC_BASE_URL, apiKey: anthropicEnv.ANTHROPIC_API_KEY },
      none,
    );
    expect(anthropic.constructor.name).toBe('Anthropic');
  });
});
