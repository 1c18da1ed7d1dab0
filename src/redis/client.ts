/**
 * Connections to Redis (node-redis), and the mapping of the library's error replies to delm's
 * errors. Every key of a run sits under `delm:{<runId>}:` — the braces make it one Cluster hash slot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, threadId } from 'node:worker_threads';
import { settlesWithin } from '../internal/settles-within.js';
import {
  ClientClosedError,
  ConnectionTimeoutError,
  createClient,
  RedisClient as PlainClient,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
  type RedisClientType,
} from '@redis/client';
import {
  DelmError,
  DuplicateEntryError,
  FencedError,
  LeaseLostError,
  LedgerFullError,
  QueueFullError,
} from '../errors.js';
import { ensureLibrary } from './library.js';

/** A connected node-redis client. */
export type RedisClient = RedisClientType;

/** Where a run's substrate lives: a connected client (the caller owns it) or a URL to connect to. */
export type RedisTarget = { client: RedisClient } | { url: string };

/** The key prefix of a run. Run ids are restricted so a key never needs escaping. */
export function runPrefix(runId: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(runId))
    throw new DelmError('INVALID_ARGUMENT', `run id must be 1-128 letters, digits, '.', '_' or '-', got "${runId}"`);
  return `delm:{${runId}}:`;
}

/**
 * How long a new connection may take to be answered. node-redis's connectTimeout bounds only the TCP
 * connect: a server that accepts and never replies to the handshake (a stopped redis-server, another
 * program on the port) held `delm run --redis` and `delm worker` silent, deaf to Ctrl-C, for good.
 */
const ANSWER_MS = 5_000;

/** How long a connected client keeps trying to reconnect after Redis went away, and how often. */
const RECONNECT_FOR_MS = 30_000;
const RECONNECT_STEP_MS = 100;

/**
 * Opens a connection; `owned` says whether the caller must close it. `plain`: a client with only the
 * base class's methods (sendCommand, connect, duplicate…), none of node-redis's typed command methods
 * (hGet, multi…): createClient builds a class with every command on it once per thread, ~140 ms of CPU
 * (as much again as loading the package), which each worker thread of a run on Redis paid for methods
 * it never calls. delm's own structures send every command with sendCommand, so they run on either.
 */
export async function connect(target: RedisTarget, plain = false): Promise<{ client: RedisClient; owned: boolean }> {
  if ('client' in target) return { client: target.client, owned: false };
  checkUrl(target.url);
  // Fail at once when Redis is not there at the start; once connected, ride out a restart (commands
  // wait in node-redis's offline queue) for up to RECONNECT_FOR_MS before giving up.
  let connectedAt = 0;
  const options = {
    url: target.url,
    // Who holds the connection, as CLIENT LIST shows it: this process and thread.
    name: `delm-${process.pid}-${threadId}`,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) =>
        connectedAt > 0 && retries * RECONNECT_STEP_MS < RECONNECT_FOR_MS ? RECONNECT_STEP_MS : false,
    },
  };
  // A worker thread starts while its run goes on, on a URL its process reached already: an agent started
  // in a crashed one's place while Redis restarts waits for it as the run's other connections do.
  const retryUntil = isMainThread ? 0 : Date.now() + RECONNECT_FOR_MS;
  for (;;) {
    const client = plain ? (new PlainClient(options) as unknown as RedisClient) : createClient(options);
    // node-redis emits 'error' on socket failures; the command that hit it rejects with it too.
    client.on('error', () => undefined);
    try {
      if (!(await settlesWithin(client.connect(), ANSWER_MS))) throw new ConnectionTimeoutError();
      connectedAt = Date.now();
      return { client, owned: true };
    } catch (error) {
      client.destroy();
      if (isConnectionLoss(error) && Date.now() < retryUntil) {
        await sleep(RECONNECT_STEP_MS);
        continue;
      }
      if (refusedCredentials(error))
        throw new DelmError(
          'INVALID_CONFIG',
          `Redis at ${redactUrl(target.url)} refused the connection's credentials: ${String(error)} (give the password in the URL, or DELM_REDIS_PASSWORD on the command line)`,
          { cause: error },
        );
      const why =
        error instanceof ConnectionTimeoutError
          ? `nothing answered within ${ANSWER_MS / 1000} s`
          : `${String(error)} (is redis-server running there?)`;
      throw new DelmError('REDIS_UNAVAILABLE', `cannot connect to Redis at ${redactUrl(target.url)}: ${why}`, {
        cause: error,
      });
    }
  }
}

/** Whether a connection failed because the server refused its credentials (none, or wrong ones). */
const refusedCredentials = (error: unknown): boolean =>
  error instanceof Error && /^(NOAUTH|WRONGPASS)\b/.test(error.message);

/** Refuses what is not a Redis URL (INVALID_CONFIG), before any connection is tried. */
export function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname)
    throw new DelmError(
      'INVALID_CONFIG',
      `not a Redis URL: "${parsed ? redactUrl(url) : url.replace(/:[^:@/]*@/, ':***@')}" (expected redis://host:port or rediss://…)`,
    );
  // node-redis decodes the user name and password: a stray "%" would fail there as "URI malformed".
  for (const part of [parsed.username, parsed.password])
    try {
      decodeURIComponent(part);
    } catch {
      throw new DelmError(
        'INVALID_CONFIG',
        `the Redis URL "${redactUrl(url)}" has a user name or password that is not percent-encoded (a "%" must be written %25)`,
      );
    }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Turns an error reply of delm's library ("CODE details") into the matching DelmError. */
export function mapReplyError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const [code, ...rest] = error.message.split(' ');
  const words = rest;
  switch (code) {
    case 'LEASE_LOST':
      return new LeaseLostError(Number(words[0]), words.slice(1).join(' '));
    case 'QUEUE_FULL':
      return new QueueFullError(Number(words[0]), Number(words[1]), words[2] === 'bytes' ? 'bytes' : 'tasks');
    case 'LEDGER_FULL':
      return new LedgerFullError(Number(words[0]), Number(words[1]), words[2] === 'bytes' ? 'bytes' : 'entries');
    case 'FENCED':
      return new FencedError(words.join(' '));
    case 'DUPLICATE':
      return new DuplicateEntryError(Number(words[0]));
    case 'CLOSED':
    case 'NOT_FOUND':
    case 'INVALID_ARGUMENT':
      return new DelmError(code, words.join(' '), { cause: error });
    default:
      return error;
  }
}

const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/**
 * Whether `error` says the connection to Redis was lost (rather than Redis refusing the command): a
 * command on the wire when the connection dropped, which may or may not have run, or a command a
 * restarted server refused while loading its data.
 */
export function isConnectionLoss(error: unknown): boolean {
  return (
    // A restarted server still loading its append-only file: the same as not there yet.
    (error instanceof Error && error.message.startsWith('LOADING ')) ||
    error instanceof SocketClosedUnexpectedlyError ||
    error instanceof ConnectionTimeoutError ||
    error instanceof SocketTimeoutError ||
    // A command node-redis gave up on after its command timeout (5 s): queued while it reconnected, or
    // sent to a server that stopped answering. Like a command on a dropped connection, it may have run.
    error instanceof TimeoutError ||
    (error instanceof Error && SOCKET_CODES.has((error as { code?: unknown }).code as string))
  );
}

/** Redis went away and did not come back while the client kept reconnecting. */
export class RedisLostError extends DelmError {
  constructor(cause: unknown) {
    super(
      'REDIS_UNAVAILABLE',
      `lost the connection to Redis and it did not come back within ${RECONNECT_FOR_MS / 1000} s (${String(cause)}); the run's state is kept in Redis as far as its append-only file has it: \`delm resume\` picks the run up once Redis is back`,
      { cause },
    );
  }
}

/**
 * Runs `op` and, when the connection to Redis drops under it, runs it again once node-redis has
 * reconnected (the retry waits in its offline queue), for as long as the client keeps reconnecting.
 * Only for operations that are safe to repeat: the first try may have run before the connection dropped.
 */
export async function retried<T>(client: RedisClient, op: () => Promise<T>): Promise<T> {
  const until = Date.now() + RECONNECT_FOR_MS + 5_000;
  for (;;) {
    try {
      return await op();
    } catch (error) {
      const lost = isConnectionLoss(error);
      // ClientClosedError: node-redis gave up reconnecting (or the client was closed) — no retry helps.
      const closed = error instanceof ClientClosedError;
      if (!lost && !closed) throw error;
      if (closed || !client.isOpen || Date.now() > until) throw new RedisLostError(error);
      await sleep(RECONNECT_STEP_MS);
    }
  }
}

/**
 * Functions that must not run twice for one call: they are not repeated after a lost connection
 * (the caller gets REDIS_UNAVAILABLE). Every other function of the library is safe to repeat: a
 * repeated append is refused as a duplicate, a repeated acknowledgement or settlement is a no-op, a
 * repeated claim leaves a lease that lapses, a repeated lease renewal or rate-limit take errs on the
 * safe side.
 */
const NOT_REPEATED = new Set(['q_enqueue']);

/** The server has no function of that name: the library is not loaded there (nothing ran). */
const isMissingFunction = (error: unknown) =>
  error instanceof Error && error.message.startsWith('ERR Function not found');

/**
 * Calls one of the library's functions on a run's keys, mapping its error replies; repeated after a
 * lost connection when safe. A client need not check the library first (see ensureLibrary): when the
 * server has no such function, the library is loaded and the call made again.
 */
export async function fcall(
  client: RedisClient,
  name: string,
  prefix: string,
  args: readonly string[],
): Promise<unknown> {
  const call = () => client.sendCommand(['FCALL', name, '1', prefix, ...args]);
  const once = () => (NOT_REPEATED.has(name.replace(/^delm_v\d+_/, '')) ? call() : retried(client, call));
  try {
    try {
      return await once();
    } catch (error) {
      if (!isMissingFunction(error)) throw error;
      await ensureLibrary(client, true);
      return await once();
    }
  } catch (error) {
    if (isConnectionLoss(error)) throw new RedisLostError(error);
    throw mapReplyError(error);
  }
}
