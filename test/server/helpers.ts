/** Helpers for tests of `delm serve`: a scripted-model server, and SSE read with fetch. */
import { startServer, type DelmServer } from '../../src/server/index.js';
import type { ServerOptions } from '../../src/server/options.js';

/** The scripted model fixture (speaks the basic protocol): one finding per sub-task, answers "N findings". */
export const scriptedModel = (options: Record<string, unknown> = {}) => ({
  module: new URL('../runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href,
  options,
});

/** Starts a server on a free loopback port with the scripted model and one agent per swarm. */
export function startTestServer(
  options: ServerOptions = {},
  model: Record<string, unknown> = { delayMs: 10 },
): Promise<DelmServer> {
  return startServer({
    port: 0,
    swarm: { agents: 1, protocol: 'basic', model: scriptedModel(model), stopGraceMs: 500 },
    ...options,
  });
}

/** One Server-Sent Event as read off the wire. */
export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** Reads a whole SSE response (until the server ends it), skipping comments. */
export async function readSse(response: Response): Promise<SseMessage[]> {
  const text = await response.text();
  const messages: SseMessage[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (!lines.length) continue;
    const field = (name: string) => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
    messages.push({ id: field('id')[0], event: field('event')[0], data: field('data').join('\n') });
  }
  return messages;
}

/**
 * Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. By default it polls
 * until the test's own timeout: a shorter wall-clock deadline only fails on a busy machine.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = Number.POSITIVE_INFINITY,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
