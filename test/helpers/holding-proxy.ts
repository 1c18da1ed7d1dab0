/**
 * A TCP proxy on a free loopback port that can hold back a server's replies: once a client sends a
 * request `marks` picks, everything the server sends that client is kept until `release()`.
 * The request itself reaches the server at once, so the server has acted on it while its client
 * still waits: a reply in flight, made as long as a test needs it.
 */
import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/** A running proxy; see the module comment. */
export interface HoldingProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Resolves when a client first sends a request `marks` picks (its reply is held from then on). */
  readonly held: Promise<void>;
  /** Delivers what was held and stops holding. */
  release(): void;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` that holds replies after the first request chunk `marks` picks. */
export async function holdingProxy(targetPort: number, marks: (request: Buffer) => boolean): Promise<HoldingProxy> {
  const sockets = new Set<Socket>();
  const waiting: Array<() => void> = [];
  let holding = false;
  let released = false;
  let markHeld!: () => void;
  const held = new Promise<void>((resolve) => (markHeld = resolve));

  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let holdsThis = false;
    client.on('data', (chunk: Buffer) => {
      if (!holding && !released && marks(chunk)) {
        holding = holdsThis = true;
        markHeld();
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holdsThis && !released) waiting.push(() => client.write(chunk));
      else client.write(chunk);
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('holding proxy: no port');
  return {
    port: address.port,
    held,
    release() {
      released = true;
      for (const deliver of waiting.splice(0)) deliver();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
