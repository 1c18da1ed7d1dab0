/**
 * A run's events on Redis: a capped stream (`delm:{<runId>}:e:stream`, `XADD MAXLEN ~ N`) that any
 * process can read from an id on (`XREAD BLOCK`). Each entry holds the event's type (`t`) and its JSON
 * (`d`); the stream's entry ids are what `delm serve` sends as SSE ids, so `Last-Event-ID` resumes on
 * any serve process. Past the cap the oldest events go (the last ones, `run.finished` among them, stay).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import { borrowBlocking } from './connection-cache.js';
import { FN, ensureLibrary } from './library.js';
import {
  connect,
  isConnectionLoss,
  RedisLostError,
  retried,
  runPrefix,
  type RedisClient,
  type RedisTarget,
} from './client.js';

/** Most events, and bytes of events, sent in one call. */
const MAX_BATCH_EVENTS = 1_000;
/**
 * How long published events wait for more before they are sent together: a run publishes a few hundred
 * events a second in bursts, and each call costs both ends a write and a wake-up (a 40 ms model step
 * made ~60 calls per QA item with one call per turn of the event loop, ~10 with this window).
 */
const BATCH_WINDOW_MS = 20;
const MAX_BATCH_BYTES = 1 << 20;

/** Longest single blocking read. */
const MAX_BLOCK_MS = 1_000;

/** Events kept per run when no cap is given. */
export const DEFAULT_MAX_EVENTS = 10_000;

/** Options of {@link RedisEventLog.open}. */
export const RedisEventLogOptionsSchema = z
  .object({
    runId: z.string().min(1),
    /** Events kept: `XADD MAXLEN ~` trims the oldest (so a few more may stay, up to one stream node). */
    maxEvents: z.number().int().min(1).max(10_000_000).default(DEFAULT_MAX_EVENTS),
  })
  .strict();

/** See {@link RedisEventLogOptionsSchema}. */
export type RedisEventLogOptions = z.input<typeof RedisEventLogOptionsSchema>;

/** One stored event: its stream id, its type and its JSON. */
export interface StoredEvent {
  id: string;
  type: string;
  data: string;
}

/** Entries of a raw XRANGE reply: `[id, [field, value, …]]` pairs. */
function rangeEvents(reply: unknown): StoredEvent[] {
  return (reply as Array<[string, string[]]>).map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { id, type: fields.t ?? '', data: fields.d ?? '' };
  });
}

/** Entries of a raw XREAD reply on one stream: null, a RESP3 map (object or Map) or RESP2 `[[key, entries]]`. */
function readEvents(reply: unknown): StoredEvent[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return [...reply.values()].flatMap(rangeEvents);
  if (Array.isArray(reply)) return reply.flatMap((stream: [string, unknown]) => rangeEvents(stream[1]));
  return Object.values(reply as Record<string, unknown>).flatMap(rangeEvents);
}

/** The event stream of one run: append (the run's coordinator), read and follow (anyone). */
export class RedisEventLog {
  /** The stream's key. */
  readonly key: string;
  private pending: Promise<unknown> = Promise.resolve();
  private failures = 0;
  /** Events published and not sent yet: type, JSON, type, JSON, … */
  private batch: string[] = [];
  private batchBytes = 0;
  private sendTimer: NodeJS.Timeout | undefined;
  /** Resolves once delm's library is loaded on this log's connection (its batches call one of its functions). */
  private readonly library: Promise<void>;

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    private readonly prefix: string,
    /** The cap passed to every append. */
    readonly maxEvents: number,
  ) {
    this.key = `${prefix}e:stream`;
    this.library = ensureLibrary(client).catch(() => undefined);
  }

  /** Opens the event stream of a run (nothing is created until the first append). */
  static async open(target: RedisTarget, options: RedisEventLogOptions): Promise<RedisEventLog> {
    const o = parseConfig(RedisEventLogOptionsSchema, options, 'invalid Redis event log options');
    const prefix = runPrefix(o.runId);
    const { client, owned } = await connect(target);
    return new RedisEventLog(client, owned, prefix, o.maxEvents);
  }

  /** Appends one event and resolves to its stream id. */
  async append(type: string, data: string): Promise<string> {
    const id = await this.client.sendCommand<string>([
      'XADD',
      this.key,
      'MAXLEN',
      '~',
      String(this.maxEvents),
      '*',
      't',
      type,
      'd',
      data,
    ]);
    return id;
  }

  /**
   * Appends without waiting. The events published within a short window (20 ms from the first) go in
   * one call (a function of delm's library that adds each as its own entry, in order) as it ends;
   * calls on one connection keep their order, so the stream holds the events in the order published.
   * {@link flush} sends what waits and waits for all of it. A failed append is counted ({@link failed}),
   * never thrown: events are a record, and losing one must not stop the run.
   */
  publish(type: string, data: string): void {
    this.batch.push(type, data);
    this.batchBytes += type.length + data.length;
    if (this.batch.length >= MAX_BATCH_EVENTS * 2 || this.batchBytes >= MAX_BATCH_BYTES) this.send();
    else this.sendTimer ??= setTimeout(() => this.send(), BATCH_WINDOW_MS);
  }

  /** Sends the events waiting in the batch, in one call. */
  private send(): void {
    if (this.sendTimer) clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const sent = this.library
      // Not repeated after a lost connection (as fcall would): the call may have run, and an event twice is worse than one missing.
      .then(() => this.client.sendCommand(['FCALL', `${FN}e_add`, '1', this.prefix, String(this.maxEvents), ...batch]))
      .catch(() => {
        this.failures += batch.length / 2;
      });
    this.pending = Promise.all([this.pending, sent]);
  }

  /** Resolves once every {@link publish} so far is stored (or failed). */
  async flush(): Promise<void> {
    this.send();
    for (let last: Promise<unknown> | undefined; last !== this.pending;) {
      last = this.pending;
      await last;
    }
  }

  /** Appends that failed (Redis unreachable): those events are missing from the stream. */
  get failed(): number {
    return this.failures;
  }

  /** Events after stream id `after` (`'0-0'`: from the oldest kept), at most `count`, without waiting. */
  async after(after: string, count = 1_000): Promise<StoredEvent[]> {
    const reply = await retried(this.client, () =>
      this.client.sendCommand(['XRANGE', this.key, `(${after}`, '+', 'COUNT', String(count)]),
    );
    return rangeEvents(reply);
  }

  /** The newest event kept, if any. */
  async last(): Promise<StoredEvent | undefined> {
    const reply = await retried(this.client, () =>
      this.client.sendCommand(['XREVRANGE', this.key, '+', '-', 'COUNT', '1']),
    );
    return rangeEvents(reply)[0];
  }

  /** Events kept now, and events ever appended (the difference went to the cap). */
  async size(): Promise<{ kept: number; added: number }> {
    const info = await retried(this.client, async () => {
      try {
        return await this.client.sendCommand<unknown>(['XINFO', 'STREAM', this.key]);
      } catch (error) {
        if (error instanceof Error && /no such key/i.test(error.message)) return undefined;
        throw error;
      }
    });
    if (info === undefined) return { kept: 0, added: 0 };
    const fields = new Map<string, unknown>();
    if (info instanceof Map) for (const [k, v] of info) fields.set(String(k), v);
    else if (Array.isArray(info)) for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
    else for (const [k, v] of Object.entries(info as Record<string, unknown>)) fields.set(k, v);
    return { kept: Number(fields.get('length') ?? 0), added: Number(fields.get('entries-added') ?? 0) };
  }

  /** Sets the stream to expire `ms` from now (a finished run's record). */
  async expire(ms: number): Promise<void> {
    await retried(this.client, () => this.client.sendCommand(['PEXPIRE', this.key, String(ms)]));
  }

  /**
   * Events after `after` as they are appended, in batches: what is kept first, then each batch as soon
   * as `XREAD BLOCK` (on a connection of its own, closed at the end) returns it. An empty batch every
   * `blockMs` (at most 1 s) when nothing came, so the caller can look at other things (has the run ended?). Ends when
   * `signal` aborts.
   */
  async *follow(
    after: string,
    options: { signal?: AbortSignal; blockMs?: number } = {},
  ): AsyncGenerator<StoredEvent[]> {
    const { signal } = options;
    // Bounded, so an abort that lands just before a read is sent (CLIENT UNBLOCK too early) costs at most this.
    const block = Math.max(1, Math.min(MAX_BLOCK_MS, Math.floor(options.blockMs ?? MAX_BLOCK_MS)));
    const blocking = await borrowBlocking(this.client);
    const reader = blocking.client;
    const unblock = () =>
      void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(blocking.id)]).catch(() => undefined);
    signal?.addEventListener('abort', unblock, { once: true });
    try {
      let last = after;
      while (!signal?.aborted) {
        let reply: unknown;
        try {
          reply = await reader.sendCommand([
            'XREAD',
            'COUNT',
            '1000',
            'BLOCK',
            String(block),
            'STREAMS',
            this.key,
            last,
          ]);
        } catch (error) {
          // Redis went away: read on from the same id once the client reconnected.
          if (!isConnectionLoss(error)) throw error;
          if (!reader.isOpen) throw new RedisLostError(error);
          await sleep(100);
          continue;
        }
        const events = readEvents(reply);
        if (events.length > 0) last = events.at(-1)!.id;
        if (!signal?.aborted) yield events;
      }
    } finally {
      signal?.removeEventListener('abort', unblock);
      reader.destroy();
    }
  }

  /** Closes this log's connection when it opened one. */
  async disconnect(): Promise<void> {
    await this.flush();
    if (this.owned) await this.client.close();
  }
}
