/**
 * The context ledger on Redis: a stream that only the holder of the current writer epoch can append
 * to (through the delm library's `l_append`, see functions/ledger.lua.ts). Any process reads it from
 * the start and tails it with XREAD BLOCK, so a process that joins late replays what was admitted.
 */
import { z } from 'zod';
import { DelmError } from '../errors.js';
import { contentHashOfText } from '../internal/hash.js';
import { parseConfig } from '../internal/parse.js';
import {
  ENTRY_KINDS,
  type EntryKind,
  type EntryLevel,
  type LedgerEntry,
  type LedgerEntryInput,
} from '../ledger/types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connect,
  fcall,
  isConnectionLoss,
  retried,
  RedisLostError,
  runPrefix,
  type RedisClient,
  type RedisTarget,
} from './client.js';
import { borrowBlocking, giveBackBlocking, type BlockingConnection } from './connection-cache.js';
import { FN, ensureLibrary } from './library.js';

/** Options of {@link RedisLedger.open} (validated); limits take effect when the run's ledger is first created. */
export const RedisLedgerOptionsSchema = z
  .object({
    runId: z.string().min(1),
    maxEntries: z.number().int().min(1).max(1_000_000_000).default(1_000_000),
    maxBytes: z
      .number()
      .int()
      .min(64)
      .max(2 ** 40)
      .default(256 << 20),
  })
  .strict();

/** Options of {@link RedisLedger.open}. */
export type RedisLedgerOptions = z.input<typeof RedisLedgerOptionsSchema>;

const DEFAULT_LEVEL: Partial<Record<EntryKind, EntryLevel>> = { summary: 1, raw: 2 };

/** Entry n is stream id `n-1`; its fields are named in functions/ledger.lua.ts. */
function toEntry(id: string, fields: Record<string, string>): LedgerEntry {
  return {
    id: Number(id.slice(0, id.indexOf('-'))),
    kind: fields.k as EntryKind,
    level: Number(fields.l) as EntryLevel,
    text: fields.x ?? '',
    taskId: Number(fields.t),
    authorId: Number(fields.a),
    parentId: Number(fields.p),
    tokenCount: Number(fields.n),
    expiresAt: Number(fields.e),
    hash: Number(fields.h),
    timestamp: Number(fields.ts),
    meta: fields.m ? (JSON.parse(fields.m) as Record<string, unknown>) : undefined,
  };
}

/** Entries of a raw XRANGE reply: `[id, [field, value, …]]` pairs. */
function rangeEntries(reply: unknown): LedgerEntry[] {
  return (reply as Array<[string, string[]]>).map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return toEntry(id, fields);
  });
}

/** Entries of a raw XREAD reply on one stream: null, a RESP3 map (object or Map) or RESP2 `[[key, entries]]`. */
function readEntries(reply: unknown): LedgerEntry[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return [...reply.values()].flatMap(rangeEntries);
  if (Array.isArray(reply)) return reply.flatMap((stream: [string, unknown]) => rangeEntries(stream[1]));
  return Object.values(reply as Record<string, unknown>).flatMap(rangeEntries);
}

/** Stream id after which entry `from` comes (XREAD's exclusive start). */
const before = (from: number) => (from === 0 ? '0-0' : `${from - 1}-1`);

/** The ledger of a run on Redis: read, tail, and (with the writer lease) append. */
export class RedisLedger {
  private readonly streamKey: string;
  /** Connections of the tails now running, closed (or kept, see connection-cache.ts) as each ends or at {@link disconnect}. */
  private readonly tailClients = new Set<BlockingConnection>();

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The run's key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
    /** The ledger's limits as stored with the run (the first opener's). */
    readonly limits: { maxEntries: number; maxBytes: number },
  ) {
    this.streamKey = `${prefix}l:stream`;
  }

  /** Opens the ledger of a run, creating it with `options` if the run has none yet. */
  static async open(target: RedisTarget, options: RedisLedgerOptions): Promise<RedisLedger> {
    const o = parseConfig(RedisLedgerOptionsSchema, options, 'invalid Redis ledger options');
    const prefix = runPrefix(o.runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      const [maxEntries, maxBytes] = (await fcall(client, `${FN}l_init`, prefix, [
        String(o.maxEntries),
        String(o.maxBytes),
      ])) as number[];
      return new RedisLedger(client, owned, prefix, { maxEntries: maxEntries!, maxBytes: maxBytes! });
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  /**
   * The ledger of run `runId` on `client` (the caller keeps it), already opened elsewhere with these
   * `limits` (the {@link limits} of that ledger): no round trip. How a run's worker threads attach to
   * the ledger their main thread opened.
   */
  static attach(client: RedisClient, runId: string, limits: RedisLedger['limits']): RedisLedger {
    return new RedisLedger(client, false, runPrefix(runId), { ...limits });
  }

  /** Number of published entries (the next id). */
  async count(): Promise<number> {
    return ((await fcall(this.client, `${FN}l_stats`, this.prefix, [])) as number[])[0]!;
  }

  /** Published entries with ids in [from, to). */
  async slice(from = 0, to = Number.MAX_SAFE_INTEGER): Promise<LedgerEntry[]> {
    if (to <= from) return [];
    const end = to === Number.MAX_SAFE_INTEGER ? '+' : `${to - 1}-1`;
    return rangeEntries(
      await retried(this.client, () => this.client.sendCommand(['XRANGE', this.streamKey, `${from}-1`, end])),
    );
  }

  /** The entry with this id; NOT_FOUND when it is not published. */
  async get(id: number): Promise<LedgerEntry> {
    const [entry] = await this.slice(id, id + 1);
    if (!entry) throw new DelmError('NOT_FOUND', `no ledger entry ${id}`);
    return entry;
  }

  /**
   * Entries from `from` on, as they are published: each batch as soon as XREAD BLOCK (on a connection
   * of its own) returns it. Ends when `signal` aborts.
   */
  async *tail(from = 0, options: { signal?: AbortSignal; blockMs?: number } = {}): AsyncGenerator<LedgerEntry[]> {
    const { signal } = options;
    const tailer = await borrowBlocking(this.client);
    this.tailClients.add(tailer);
    const { client } = tailer;
    const unblock = () => void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(tailer.id)]).catch(() => undefined);
    signal?.addEventListener('abort', unblock, { once: true });
    try {
      let next = from;
      while (!signal?.aborted) {
        let reply: unknown;
        try {
          reply = await client.sendCommand([
            'XREAD',
            'COUNT',
            '1000',
            'BLOCK',
            String(options.blockMs ?? 1_000),
            'STREAMS',
            this.streamKey,
            before(next),
          ]);
        } catch (error) {
          // Redis went away: read on from the same entry once the client reconnected.
          if (!isConnectionLoss(error)) throw error;
          if (!client.isOpen) throw new RedisLostError(error);
          await sleep(100);
          continue;
        }
        const entries = readEntries(reply);
        if (entries.length === 0) continue;
        next = entries.at(-1)!.id + 1;
        yield entries;
      }
    } finally {
      signal?.removeEventListener('abort', unblock);
      // No read waits on it here: a tail ends between reads.
      if (this.tailClients.delete(tailer)) giveBackBlocking(this.client, tailer, true);
    }
  }

  /**
   * Takes the writer lease for `holder` (a new epoch fences every earlier writer), or returns
   * undefined while another holder's lease is live.
   */
  async acquireWriter(holder: string, leaseMs = 10_000): Promise<RedisLedgerWriter | undefined> {
    const [epoch, second] = (await fcall(this.client, `${FN}l_acquire`, this.prefix, [holder, String(leaseMs)])) as [
      number,
      number | string,
      number | undefined,
    ];
    if (epoch === 0) return undefined;
    return new RedisLedgerWriter(this.client, this.prefix, epoch, second as number);
  }

  /** Closes this process's connections (the ledger lives on in Redis). */
  async disconnect(): Promise<void> {
    for (const tailer of this.tailClients) giveBackBlocking(this.client, tailer, false);
    this.tailClients.clear();
    if (this.owned) await this.client.close();
  }
}

/** The single writer of a run's ledger, for as long as its epoch is current. */
export class RedisLedgerWriter {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    /** This writer's epoch: appends carry it, and a newer epoch fences this one. */
    readonly epoch: number,
    /** Server-clock ms when the lease lapses unless renewed (each append renews it). */
    public deadline: number,
  ) {}

  /**
   * Appends and publishes. Rejects with FencedError when another writer took over, LedgerFullError at
   * the configured limits, DuplicateEntryError when an entry of the same kind and text exists.
   */
  async append(input: LedgerEntryInput): Promise<LedgerEntry> {
    if (!ENTRY_KINDS.includes(input.kind))
      throw new DelmError('INVALID_ARGUMENT', `unknown ledger entry kind "${String(input.kind)}"`);
    if (!input.text.isWellFormed())
      throw new DelmError('INVALID_ARGUMENT', 'entry text contains a lone surrogate (not valid Unicode)');
    const level = input.level ?? DEFAULT_LEVEL[input.kind] ?? 0;
    const meta = input.meta === undefined ? '' : JSON.stringify(input.meta);
    const hash = contentHashOfText(input.text);
    const [id, timestamp] = (await fcall(this.client, `${FN}l_append`, this.prefix, [
      String(this.epoch),
      input.kind,
      String(level),
      input.text,
      String(input.taskId ?? 0),
      String(input.authorId ?? 0),
      String(input.parentId ?? -1),
      String(input.tokenCount ?? 0),
      String(input.expiresAt ?? 0),
      meta,
      input.timestamp === undefined ? '' : String(input.timestamp),
      String(hash),
    ])) as [number, number];
    return {
      id,
      kind: input.kind,
      level,
      text: input.text,
      taskId: input.taskId ?? 0,
      authorId: input.authorId ?? 0,
      parentId: input.parentId ?? -1,
      tokenCount: input.tokenCount ?? 0,
      expiresAt: input.expiresAt ?? 0,
      hash,
      timestamp,
      meta: input.meta,
    };
  }

  /** Extends the lease; rejects with FencedError when this writer was deposed. */
  async renew(): Promise<number> {
    this.deadline = (await fcall(this.client, `${FN}l_renew`, this.prefix, [String(this.epoch)])) as number;
    return this.deadline;
  }

  /** Gives the lease up so a standby can take over at once. */
  async resign(): Promise<void> {
    await fcall(this.client, `${FN}l_resign`, this.prefix, [String(this.epoch)]);
  }
}
