/**
 * The proposal channel of a run on Redis: agents in any process add proposals to a stream; the
 * verifier reads them through a consumer group and acknowledges (and deletes) each once it has
 * committed or rejected it, so a verifier that picks the run up after a crash first gets what its
 * predecessor read but never finished.
 */
import { connect, runPrefix, type RedisClient, type RedisTarget } from './client.js';

const GROUP = 'verifier';
const CONSUMER = 'verifier';
/** Longest single XREADGROUP BLOCK, so a closed channel is noticed soon. */
const MAX_BLOCK_MS = 100;

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
  private reader: RedisClient | undefined;
  private readerId = 0;
  /** Stream ids of the messages received and not yet processed, oldest first. */
  private readonly pending: string[] = [];
  /** Whether this verifier still has to re-read what a predecessor read and never acknowledged. */
  private backlog = true;

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

  /** Adds a proposal. */
  async send(message: string): Promise<void> {
    await this.client.sendCommand(['XADD', this.stream, '*', 'm', message]);
  }

  /** The next proposal, waiting up to `timeoutMs` (on a connection of its own); undefined when none came. */
  async receive(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    return (await this.receiveBatch(1, timeoutMs, signal))[0];
  }

  /**
   * Every proposal waiting now, up to `max`, in order of arrival: waits up to `timeoutMs` (on a
   * connection of its own) for the first; empty when none came.
   */
  async receiveBatch(max: number, timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
    // What a predecessor read and never acknowledged comes first; an entry deleted meanwhile is acknowledged and skipped.
    while (this.backlog) {
      const entries = messages(await this.client.sendCommand(this.read('0', max)));
      if (entries.length === 0) this.backlog = false;
      else {
        const batch = await this.deliver(entries);
        if (batch.length > 0) return batch;
      }
    }
    if (!this.reader) {
      const reader = this.client.duplicate();
      reader.on('error', () => undefined);
      await reader.connect();
      this.readerId = Number(await reader.sendCommand(['CLIENT', 'ID']));
      this.reader = reader;
    }
    const unblock = () =>
      void this.client.sendCommand(['CLIENT', 'UNBLOCK', String(this.readerId)]).catch(() => undefined);
    signal?.addEventListener('abort', unblock, { once: true });
    try {
      const block = Math.max(1, Math.min(MAX_BLOCK_MS, Math.floor(timeoutMs)));
      return await this.deliver(messages(await this.reader.sendCommand(this.read('>', max, block))));
    } finally {
      signal?.removeEventListener('abort', unblock);
    }
  }

  /** XREADGROUP of up to `count` entries: `'0'` for this consumer's unacknowledged backlog, `'>'` for new ones (blocking `blockMs`). */
  private read(from: '0' | '>', count: number, blockMs?: number): string[] {
    const block = blockMs === undefined ? [] : ['BLOCK', String(blockMs)];
    const n = String(Math.max(1, Math.floor(count)));
    return ['XREADGROUP', 'GROUP', GROUP, CONSUMER, 'COUNT', n, ...block, 'STREAMS', this.stream, from];
  }

  /**
   * The messages of `entries`, each now pending until {@link processed}. The close marker only wakes
   * the reader and an entry deleted while pending is gone: both are acknowledged (and the marker
   * removed) at once.
   */
  private async deliver(entries: Read[]): Promise<string[]> {
    const batch: string[] = [];
    const markers: string[] = [];
    const gone: string[] = [];
    for (const [id, message] of entries) {
      if (message === undefined) markers.push(id);
      else if (message === null) gone.push(id);
      else {
        this.pending.push(id);
        batch.push(message);
      }
    }
    if (markers.length > 0 || gone.length > 0) {
      const multi = this.client.multi();
      for (const id of [...markers, ...gone]) multi.xAck(this.stream, GROUP, id);
      for (const id of markers) multi.xDel(this.stream, id);
      await multi.exec();
    }
    return batch;
  }

  /** The oldest proposal received and not yet processed is done with: acknowledged and deleted. */
  async processed(): Promise<void> {
    const id = this.pending.shift();
    if (id === undefined) return;
    await this.client.multi().xAck(this.stream, GROUP, id).xDel(this.stream, id).exec();
  }

  /** No further proposals: the verifier ends once the stream is empty (a marker entry wakes it now). */
  async close(): Promise<void> {
    await this.client
      .multi()
      .hSet(this.meta, 'pclosed', '1')
      .xAdd(this.stream, '*', { [CLOSE_FIELD]: '1' })
      .exec();
  }

  /** Closed, and every proposal processed. */
  async ended(): Promise<boolean> {
    const [closed, length] = await this.client.multi().hGet(this.meta, 'pclosed').xLen(this.stream).exec();
    return (closed as unknown) === '1' && Number(length) === 0;
  }

  /** Closes this process's connections (the channel lives on in Redis). */
  async disconnect(): Promise<void> {
    this.reader?.destroy();
    if (this.owned) await this.client.close();
  }
}
