/**
 * A chat client that goes away while the server still checks its task gets no run. The server's first
 * request loads the protocol to check the task, and the client's close came and went during that
 * wait, before the handler listened for it: the run then went on to its end, with its model calls,
 * for nobody.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelmServer } from '../../src/server/index.js';
import { startTestServer } from './helpers.js';

let server: DelmServer;
beforeAll(async () => {
  server = await startTestServer({
    swarm: {
      agents: 1,
      protocol: { module: new URL('./fixtures/slow-loading-protocol.ts', import.meta.url).href, export: 'protocol' },
      model: {
        module: new URL('../runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href,
        options: { delayMs: 10 },
      },
    },
  });
});
afterAll(() => server?.close());

/** Sends a whole request on a fresh connection and closes it at once, before any answer. */
function sendAndHangUp(path: string, body: string): Promise<void> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      );
      socket.end(body, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

const health = async () =>
  (await (await fetch(`${server.url}/healthz`)).json()) as {
    runs: { running: number; queued: number; retained: number };
  };

describe('a chat client that disconnects while its task is checked', () => {
  it('starts no run', async () => {
    const subTasks = Array.from({ length: 200 }, (_, i) => ({ payload: `task ${i}` }));
    await sendAndHangUp(
      '/v1/chat/completions',
      JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'q' }], delm: { subTasks } }),
    );
    // Past the protocol's 500 ms load, the check is done: before, the run had started and was running.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await health()).runs).toEqual({ running: 0, queued: 0, retained: 0 });
  });
});
