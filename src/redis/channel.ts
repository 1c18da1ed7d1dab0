/**
 * The proposal channel of a run on Redis: agents in any process add proposals to a stream; the
 * verifier reads them through a consumer group (as a consumer named after it) and acknowledges (and
 * deletes) each once it has committed or rejected it. Only the ledger's current writer reads and
 * acknowledges: a verifier that takes the writer lease over (a standby, or `delm resume`) first claims
 * every proposal its predecessors read and never finished (XAUTOCLAIM), and claims again now and then
 * what a deposed verifier, thawed, read after it lost the lease.
 */
import { DelmError } from '../errors.js';
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

const GROUP = 'verifier';
/** Longest single XREADGROUP BLOCK, so a closed channel is noticed soon. */
const MAX_BLOCK_MS = 100;
/** How often the reading verifier claims what other (deposed) consumers of the group hold. */
const RECLAIM_MS = 1_000;

/** The close marker's field: an entry that wakes a blocked reader and is never delivered as a message. */
const CLOSE_FIELD = 'c';

/** An entry of a raw XREADGROUP reply: its message, or the close marker (undefined), or gone (null: deleted while pending). */
type Read = [id: string, message: string | undefined | null];

/** Entries of a raw XREADGROUP reply on one stream. */
function messages(reply: unknown): Read[] {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] =
    reply instanceof Map
      ? [...reply.values()]
      : Array.isArray(reply)
        ? reply.map((s: [string, unknown]) => s[1])
        : Object.values(reply as Record<string, unknown>);
  const out: Read[] = [];
  for (const entries of streams)
    for (const [id, flat] of entries as Array<[string, string[] | null]>)
      out.push([id, !flat ? null : flat[0] === CLOSE_FIELD ? undefined : (flat[flat.indexOf('m') + 1] ?? '')]);
  return out;
}

/** Proposals of one run on Redis. */
export class RedisChannel {
  private readonly stream: string;
  private readonly meta: string;
  private reader: BlockingConnection | undefined;
  /** Whether a blocking read is waiting on {@link reader}. */
  private reading = false;
  /** Stream ids of the messages received and not yet processed, oldest first. */
  private readonly pending: string[] = [];
  /** Whether this verifier still has to read what it claimed and has not acknowledged. */
  private backlog = true;
  /** This reader's consumer name and ledger-writer epoch, set by {@link takeOver}. */
  private consumer: string | undefined;
  private epoch = '';
  private claimedAt = 0;

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The run's key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
  ) {
    this.stream = `${prefix}p:stream`;
    this.meta = `${prefix}r:meta`;
  }

  /** Opens (creating if need be) the proposal channel of run `runId`. */
  static async open(target: RedisTarget, runId: string): Promise<RedisChannel> {
    const prefix = runPrefix(runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      await client
        .sendCommand(['XGROUP', 'CREATE', `${prefix}p:stream`, GROUP, '0', 'MKSTREAM'])
        .catch((e: unknown) => {
          if (!String(e).includes('BUSYGROUP')) throw e;
        });
      return new RedisChannel(client, owned, prefix);
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  /**
   * The proposal channel of run `runId` on `client` (the caller keeps it), already opened elsewhere
   * (its consumer group exists): no round trip. How a run's worker threads attach to the channel their
   * main thread opened.
   */
  static attach(client: RedisClient, runId: string): RedisChannel {
    return new RedisChannel(client, false, runPrefix(runId));
  }

  /** Adds a proposal and counts it sent (the count the finalizer waits on), in one step. */
  async send(message: string): Promise<void> {
    await fcall(this.client, `${FN}p_send`, this.prefix, [message]);
  }

  /**
   * Makes this channel the reader for the ledger writer of `epoch`, as consumer `consumer`: claims
   * every proposal another consumer read and never acknowledged (their verifiers died or were
   * deposed: a new epoch fences their commits and acknowledgements). Resolves how many it claimed.
   */
  async takeOver(consumer: string, epoch: number): Promise<number> {
    this.consumer = consumer;
    this.epoch = String(epoch);
    // What this reader held under an earlier epoch (it was deposed, and takes over again) is claimed
    // and read again below: the old ids must not be acknowledged in place of the new reads.
    this.pending.length = 0;
    return this.claim();
  }

  /** XAUTOCLAIM of everything pending in the group, to this reader; it is read first (the backlog). */
  private async claim(): Promise<number> {
    let claimed = 0;
    let cursor = '0-0';
    do {
      const from = cursor;
      const reply = await retried(this.client, () =>
        this.client.sendCommand<[string, string[]]>([
          'XAUTOCLAIM',
          this.stream,
          GROUP,
          this.consumer!,
          '0',
          from,
          'COUNT',
          '1000',
          'JUSTID',
        ]),
      );
      cursor = reply[0];
      claimed += reply[1].length;
    } while (cursor !== '0-0');
    this.claimedAt = Date.now();
    this.backlog = true;
    return claimed;
  }

  /**
   * The next proposal, waiting up to `timeoutMs` (on a connection of its own); undefined when none
   * came. Only the ledger's writer reads: call {@link takeOver} first.
   */
  async receive(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.receiveBatch(1, timeoutMs, signal))[0];
  }

  /**
   * Every proposal waiting now, up to `max`, in order of arrival: waits up to `timeoutMs` (on a
   * connection of its own) for the first; empty when none came. Only the ledger's writer reads: call
   * {@link takeOver} first.
   */
  async receiveBatch(max: number, timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    if (this.consumer === undefined)
      throw new DelmError('INVALID_ARGUMENT', 'only the ledger writer reads proposals: call takeOver first');
    if (Date.now() - this.claimedAt >= RECLAIM_MS) await this.claim();
    // What this reader claimed and has not acknowledged comes first; an entry deleted meanwhile is acknowledged and skipped.
    while (this.backlog) {
      const entries = messages(await retried(this.client, () => this.client.sendCommand(this.read('0', max))));
      if (entries.length === 0) this.backlog = false;
      else {
        const batch = await this.deliver(entries);
        if (batch.length > 0) return batch;
      }
    }
    const reader = (this.reader ??= await borrowBlocking(this.client));
    const unblock = () => void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(reader.id)]).catch(() => undefined);
    signal?.addEventListener('abort', unblock, { once: true });
    try {
      const block = Math.max(1, Math.min(MAX_BLOCK_MS, Math.floor(timeoutMs)));
      let reply: unknown;
      try {
        this.reading = true;
        reply = await reader.client.sendCommand(this.read('>', max, block));
      } catch (error) {
        if (!isConnectionLoss(error)) throw error;
        if (!reader.client.isOpen) throw new RedisLostError(error);
        // The read may have been served as the connection dropped: the entries then wait in this
        // consumer's pending list, which the next receive claims and reads first.
        this.claimedAt = 0;
        return [];
      }
      return await this.deliver(messages(reply));
    } finally {
      this.reading = false;
      signal?.removeEventListener('abort', unblock);
    }
  }

  /** XREADGROUP of up to `count` entries: `'0'` for this consumer's unacknowledged backlog, `'>'` for new ones (blocking `blockMs`). */
  private read(from: '0' | '>', count: number, blockMs?: number): string[] {
    const block = blockMs === undefined ? [] : ['BLOCK', String(blockMs)];
    const n = String(Math.max(1, Math.floor(count)));
    return ['XREADGROUP', 'GROUP', GROUP, this.consumer!, 'COUNT', n, ...block, 'STREAMS', this.stream, from];
  }

  /**
   * The messages of `entries`, each now pending until {@link processed}. The close marker only wakes
   * the reader and an entry deleted while pending is gone: both are acknowledged (and the marker
   * removed) at once, and not counted.
   */
  private async deliver(entries: Read[]): Promise<string[]> {
    const batch: string[] = [];
    for (const [id, message] of entries) {
      if (message === undefined || message === null) await this.done(id, false);
      else {
        this.pending.push(id);
        batch.push(message);
      }
    }
    return batch;
  }

  /**
   * The oldest proposal received and not yet processed is done with: acknowledged, deleted and counted
   * processed, in one step and only once. Rejects with FENCED when this reader's writer epoch was superseded.
   */
  async processed(): Promise<void> {
    const id = this.pending.shift();
    if (id === undefined) return;
    await this.done(id, true);
  }

  private async done(id: string, count: boolean): Promise<void> {
    await fcall(this.client, `${FN}p_done`, this.prefix, [this.epoch, id, count ? '1' : '0']);
  }

  /** No further proposals: the verifier ends once the stream is empty (a marker entry wakes it now). */
  async close(): Promise<void> {
    await fcall(this.client, `${FN}p_close`, this.prefix, []);
  }

  /** Whether the channel was closed (proposals may still wait in it). */
  async closed(): Promise<boolean> {
    return (
      (await retried(this.client, () => this.client.sendCommand<string | null>(['HGET', this.meta, 'pclosed']))) === '1'
    );
  }

  /** Closed, and every proposal processed. */
  async ended(): Promise<boolean> {
    // Read together, in one step (a script: the flag and the length as of one moment).
    const [closed, length] = await retried(this.client, () =>
      this.client.sendCommand<[string | null, number]>([
        'EVAL',
        "return { redis.call('HGET', KEYS[1], 'pclosed'), redis.call('XLEN', KEYS[2]) }",
        '2',
        this.meta,
        this.stream,
      ]),
    );
    return closed === '1' && Number(length) === 0;
  }

  /** Closes this process's connections (the channel lives on in Redis). */
  async disconnect(): Promise<void> {
    // Kept for the next run when this channel's connection is a cached one and no read waits on it.
    if (this.reader) giveBackBlocking(this.client, this.reader, !this.reading);
    this.reader = undefined;
    if (this.owned) await this.client.close();
  }
}
