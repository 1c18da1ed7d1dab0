/**
 * Connections to Redis (node-redis), and the mapping of the library's error replies to delm's
 * errors. Every key of a run sits under `delm:{<runId>}:` — the braces make it one Cluster hash slot.
 */
import { createClient, type RedisClientType } from 'redis';
import {
  DelmError,
  DuplicateEntryError,
  FencedError,
  LeaseLostError,
  LedgerFullError,
  QueueFullError,
} from '../errors.js';

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

/** How long a connected client keeps trying to reconnect after Redis went away, and how often. */
const RECONNECT_FOR_MS = 30_000;
const RECONNECT_STEP_MS = 100;

/** Opens a connection; `owned` says whether the caller must close it. */
export async function connect(target: RedisTarget): Promise<{ client: RedisClient; owned: boolean }> {
  if ('client' in target) return { client: target.client, owned: false };
  checkUrl(target.url);
  // Fail at once when Redis is not there at the start; once connected, ride out a restart (commands
  // wait in node-redis's offline queue) for up to RECONNECT_FOR_MS before giving up.
  let connectedAt = 0;
  const client = createClient({
    url: target.url,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) =>
        connectedAt > 0 && retries * RECONNECT_STEP_MS < RECONNECT_FOR_MS ? RECONNECT_STEP_MS : false,
    },
  });
  // node-redis emits 'error' on socket failures; the command that hit it rejects with it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
    connectedAt = Date.now();
  } catch (error) {
    client.destroy();
    throw new DelmError(
      'REDIS_UNAVAILABLE',
      `cannot connect to Redis at ${redactUrl(target.url)}: ${String(error)} (is redis-server running there?)`,
      { cause: error },
    );
  }
  return { client, owned: true };
}

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

/** Calls one of the library's functions on a run's keys, mapping its error replies. */
export async function fcall(
  client: RedisClient,
  name: string,
  prefix: string,
  args: readonly string[],
): Promise<unknown> {
  try {
    return await client.sendCommand(['FCALL', name, '1', prefix, ...args]);
  } catch (error) {
    throw mapReplyError(error);
  }
}
