/**
 * This process's copy of a run's ledger kept in Redis: the main thread tails the Redis stream into a
 * local shared-memory ledger, which every agent thread of the process reads without a round trip
 * (the protocol's reads are synchronous). Entries keep their ids, so a gist's parent and a digest's
 * labels mean the same in every process; a process that joins late replays the ledger from the start.
 */
import { DelmError } from '../errors.js';
import type { SharedLedger } from '../ledger/shared-ledger.js';
import type { LedgerEntry } from '../ledger/types.js';
import type { RedisLedger } from '../redis/ledger.js';

/** Copies a Redis ledger into a local one, in order, for as long as it runs. */
export class LedgerMirror {
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  /** The first error that stopped the copy (a gap, a full local ledger, a lost connection). */
  error: Error | undefined;

  constructor(
    private readonly source: RedisLedger,
    private readonly local: SharedLedger,
  ) {}

  /** Starts copying from the local ledger's count on; resolves once it caught up with what Redis held at the start. */
  async start(): Promise<void> {
    const target = await this.source.count();
    let caught!: () => void;
    const caughtUp = new Promise<void>((resolve) => (caught = resolve));
    if (this.local.count >= target) caught();
    this.running = (async () => {
      try {
        for await (const batch of this.source.tail(this.local.count, { signal: this.stopper.signal })) {
          for (const entry of batch) this.copy(entry);
          if (this.local.count >= target) caught();
        }
      } catch (error) {
        if (!this.stopper.signal.aborted) this.error = error instanceof Error ? error : new Error(String(error));
      } finally {
        caught();
      }
    })();
    await caughtUp;
    if (this.error) throw this.error;
  }

  private copy(entry: LedgerEntry): void {
    const next = this.local.count;
    if (entry.id < next) return;
    if (entry.id > next)
      throw new DelmError('LEDGER_CORRUPT', `the ledger copy expected entry ${next} from Redis and got ${entry.id}`);
    this.local.append({
      kind: entry.kind,
      level: entry.level,
      text: entry.text,
      taskId: entry.taskId,
      authorId: entry.authorId,
      ...(entry.parentId >= 0 ? { parentId: entry.parentId } : {}),
      tokenCount: entry.tokenCount,
      expiresAt: entry.expiresAt,
      timestamp: entry.timestamp,
      ...(entry.meta !== undefined ? { meta: entry.meta } : {}),
    });
  }

  /** Resolves once the local copy holds at least `count` entries (or the copy stopped). */
  async reach(count: number, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const seen = this.local.sequence;
      if (this.local.count >= count || this.stopper.signal.aborted || this.error !== undefined) return;
      if (Date.now() > until) return;
      await this.local.waitForChangeAsync(seen, 50);
    }
  }

  /** Stops copying. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}
