import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelmServer } from '../../src/server/index.js';
import { startTestServer } from '../server/helpers.js';
import { parentOf, registerTestSdk, type TestSdk } from './otel-sdk.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('delm serve and an incoming traceparent', () => {
  let sdk: TestSdk;
  let server: DelmServer;
  beforeAll(async () => {
    sdk = registerTestSdk();
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
    await sdk.shutdown();
  });

  it('continues the caller’s trace: the run span is a child of the request’s traceparent', async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${TRACE}-${PARENT}-01` },
      body: JSON.stringify({
        model: 'delm',
        messages: [{ role: 'user', content: 'count' }],
        delm: { subTasks: [{ payload: 'a' }] },
      }),
    });
    expect(response.status).toBe(200);
    const run = sdk.spans.getFinishedSpans().find((s) => s.name === 'delm.run');
    expect(run?.spanContext().traceId).toBe(TRACE);
    expect(parentOf(run!)).toBe(PARENT);
    const inRun = sdk.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE);
    expect(inRun.map((s) => s.name)).toEqual(
      expect.arrayContaining(['delm.run', 'delm.agent', 'delm.verifier', 'delm.agent.step', 'delm.final.decision']),
    );
  }, 60_000);

  it('starts a new trace for a request without one', async () => {
    sdk.spans.reset();
    const response = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'count', subTasks: [{ payload: 'a' }] }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    for (let i = 0; i < 400 && !sdk.spans.getFinishedSpans().some((s) => s.name === 'delm.run'); i++)
      await new Promise((r) => setTimeout(r, 50));
    const run = sdk.spans.getFinishedSpans().find((s) => s.name === 'delm.run')!;
    expect(parentOf(run)).toBe('');
    expect(run.spanContext().traceId).not.toBe(TRACE);
    expect(typeof id).toBe('string');
  }, 60_000);
});
