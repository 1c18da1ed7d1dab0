/**
 * Connections kept open between runs. A worker thread of a swarm pool hosts one run after another:
 * opening its connections anew for each (TCP, HELLO, the library's fingerprint, a blocking
 * connection per idle agent) costs every run tens of milliseconds at its start. A cache lends a
 * thread's connection to one run after another instead, and keeps the spare connections a run's
 * blocking reads used (BLPOP, XREADGROUP BLOCK) for the next run.
 *
 * Idle connections are unreferenced, so they never keep a thread or a process alive: they close
 * when it ends (a pool's threads are terminated when it is destroyed), or at {@link ConnectionCache.close}.
 */
import { connect, type RedisClient } from './client.js';

/** A connection for blocking reads beside a main one, and its id on the server (for CLIENT UNBLOCK). */
export interface BlockingConnection {
  readonly client: RedisClient;
  /** CLIENT ID of the connection, kept current across reconnects. */
  id: number;
}

/** Spare blocking connections of each main connection lent by a cache (none for other connections). */
const sparesOf = new WeakMap<RedisClient, BlockingConnection[]>();

/**
 * A connection for blocking reads beside `client`: a spare kept from an earlier run when `client` is
 * a cached connection and one is idle, else a new duplicate of `client`. Give it back with
 * {@link giveBackBlocking} once no blocking command is on it.
 */
export async function borrowBlocking(client: RedisClient): Promise<BlockingConnection> {
  const spares = sparesOf.get(client);
  for (let spare = spares?.pop(); spare; spare = spares?.pop()) {
    if (spare.client.isReady) {
      spare.client.ref();
      return spare;
    }
    spare.client.destroy();
  }
  const duplicate = client.duplicate();
  duplicate.on('error', () => undefined);
  await duplicate.connect();
  const blocking = { client: duplicate, id: Number(await duplicate.sendCommand(['CLIENT', 'ID'])) };
  // A reconnected client has a new id (the one CLIENT UNBLOCK names).
  duplicate.on('ready', () => {
    duplicate
      .sendCommand(['CLIENT', 'ID'])
      .then((id) => (blocking.id = Number(id)))
      .catch(() => undefined);
  });
  return blocking;
}

/**
 * Whether `client` is a cached connection, whose blocking connections given back are kept for the next
 * borrower: a borrower may then give one back after each wait, so the queue's claims and the run
 * control's waits of one thread share a single blocking connection.
 */
export function keepsSpares(client: RedisClient): boolean {
  return sparesOf.has(client);
}

/**
 * Gives `blocking` back: kept for the next borrower when `client` is a cached connection and
 * `blocking` is idle (`idle`: no blocking command is waiting on it) and connected; closed otherwise.
 */
export function giveBackBlocking(client: RedisClient, blocking: BlockingConnection, idle: boolean): void {
  const spares = sparesOf.get(client);
  if (spares && idle && blocking.client.isReady && client.isOpen) {
    blocking.client.unref();
    spares.push(blocking);
  } else blocking.client.destroy();
}

/** Connections to Redis kept open between the runs one thread hosts, per URL. */
export class ConnectionCache {
  private readonly idle = new Map<string, RedisClient[]>();
  private readonly lent = new Set<RedisClient>();
  private closed = false;

  /**
   * A connection to `url`: an idle one of this cache when one is connected, else a new one
   * (REDIS_UNAVAILABLE when Redis does not answer). Give it back with {@link giveBack}.
   */
  async lend(url: string): Promise<RedisClient> {
    const idle = this.idle.get(url);
    for (let client = idle?.pop(); client; client = idle?.pop()) {
      if (client.isReady) {
        client.ref();
        this.lent.add(client);
        return client;
      }
      closeWithSpares(client);
    }
    // Plain clients (see connect): a run's structures need no typed command methods.
    const { client } = await connect({ url }, true);
    sparesOf.set(client, []);
    this.lent.add(client);
    return client;
  }

  /**
   * Takes back a connection {@link lend} gave: kept for the next run while it is connected, closed
   * (with its spares) when it is not. Commands still on it are answered first.
   */
  giveBack(url: string, client: RedisClient): void {
    if (!this.lent.delete(client)) return;
    if (this.closed || !client.isReady) {
      closeWithSpares(client);
      return;
    }
    client.unref();
    const idle = this.idle.get(url) ?? [];
    idle.push(client);
    this.idle.set(url, idle);
  }

  /** Connections open now: lent and idle ones, and their spares. */
  get size(): number {
    let n = 0;
    for (const client of [...this.lent, ...[...this.idle.values()].flat()])
      n += 1 + (sparesOf.get(client)?.length ?? 0);
    return n;
  }

  /** Closes every idle connection; lent ones close as they are given back, and nothing is kept from now on. */
  close(): void {
    this.closed = true;
    for (const clients of this.idle.values()) for (const client of clients) closeWithSpares(client);
    this.idle.clear();
  }
}

function closeWithSpares(client: RedisClient): void {
  for (const spare of sparesOf.get(client) ?? []) spare.client.destroy();
  sparesOf.delete(client);
  client.destroy();
}
