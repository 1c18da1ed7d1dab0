/**
 * The verifier's seat on Redis: the ledger's writer lease, taken at start (the coordinator's verifier,
 * `delm resume`) or on failover (a standby in `delm worker --standby-verifier`, which takes the seat
 * once the holder's lease lapses). Taking the seat claims the proposals the previous holder left
 * unacknowledged; holding it renews the lease; losing it (a newer epoch: this process was frozen past
 * its lease) fences every append and acknowledgement, and the verifier ends as `deposed`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DelmError, DuplicateEntryError, FencedError } from '../errors.js';
import type { ContextLedger, LedgerEntry } from '../ledger/types.js';
import type { RedisChannel } from '../redis/channel.js';
import type { RedisLedger, RedisLedgerWriter } from '../redis/ledger.js';
import type { EntryWriter, ProposalPort } from './coordination.js';

/** How often a standby asks for the lease. */
const STANDBY_POLL_MS = 100;

/** Resolves once `ledger` (this process's copy) holds entry `id`. */
export async function reach(ledger: ContextLedger, id: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const seen = ledger.sequence;
    if (ledger.count > id) return;
    if (Date.now() > until)
      throw new DelmError(
        'LEDGER_CORRUPT',
        `entry ${id} was written to Redis but did not reach this process's copy within ${timeoutMs} ms (if Redis restarted, it lost acknowledged writes: run it with appendfsync always)`,
      );
    await ledger.waitForChangeAsync(seen, 50);
  }
}

/** One verifier's hold on a run's ledger writer lease. */
export class WriterSeat {
  private held: RedisLedgerWriter | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Set once a newer epoch superseded this seat's: nothing it writes is accepted any more. */
  deposed = false;
  /** Id of the last entry in the ledger this verifier must see before its next check. */
  last = -1;

  constructor(
    private readonly ledger: RedisLedger,
    private readonly channel: RedisChannel,
    private readonly leaseMs: number,
    readonly holder = `verifier:${process.pid}:${Math.random().toString(36).slice(2)}`,
  ) {}

  /** The writer while this seat holds the lease. */
  get writer(): RedisLedgerWriter | undefined {
    return this.deposed ? undefined : this.held;
  }

  /**
   * Takes the lease if it is free (or lapsed): a new epoch, which fences every earlier writer; then
   * claims what earlier verifiers left unacknowledged and starts renewing. False while another
   * verifier's lease is live.
   */
  async tryTake(): Promise<boolean> {
    if (this.held) return !this.deposed;
    const writer = await this.ledger.acquireWriter(this.holder, this.leaseMs);
    if (!writer) return false;
    this.held = writer;
    await this.channel.takeOver(this.holder, writer.epoch);
    // The next check must see everything committed so far, a predecessor's last commits included.
    this.last = (await this.ledger.count()) - 1;
    this.renewTimer = setInterval(
      () =>
        void writer.renew().catch((error: unknown) => {
          if (error instanceof FencedError) this.depose();
        }),
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    this.renewTimer.unref();
    return true;
  }

  /** Takes the lease, waiting while another holder's lease is live for up to `waitMs` (FENCED after that). */
  async take(waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    while (!(await this.tryTake())) {
      if (Date.now() > until)
        throw new DelmError('FENCED', 'another verifier holds the ledger of this run and renews it');
      await sleep(STANDBY_POLL_MS);
    }
  }

  /** A newer epoch exists: stop renewing; every later write of this seat is refused. */
  depose(): void {
    this.deposed = true;
    clearInterval(this.renewTimer);
  }

  /** Gives the lease up (when still held) so a standby can take over at once. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    if (this.held && !this.deposed) await this.held.resign();
  }
}

/**
 * The verifier's write side on Redis: appends through the seat's fenced writer (FENCED once deposed);
 * {@link EntryWriter.caughtUp} waits until this process's copy holds the last entry it must see. An
 * entry the ledger already holds (same kind and text; a predecessor committed it before it died) is
 * not written twice: the existing one is returned.
 */
export function seatWriter(seat: WriterSeat, local: ContextLedger): EntryWriter {
  return {
    async append(input): Promise<LedgerEntry> {
      const writer = seat.writer;
      if (!writer) throw new FencedError(`${seat.holder} does not hold the ledger writer lease`);
      try {
        const entry = await writer.append(input);
        seat.last = Math.max(seat.last, entry.id);
        return entry;
      } catch (error) {
        if (error instanceof FencedError) seat.depose();
        if (!(error instanceof DuplicateEntryError)) throw error;
        await reach(local, error.existingId);
        return local.get(error.existingId);
      }
    },
    caughtUp: () => reach(local, seat.last),
  };
}

/**
 * The proposal channel as the verifier reads it: only while its seat holds the lease. A standby
 * (`standby`: the seat is taken lazily) asks for the lease on each receive and receives nothing until
 * it has it; it ends, without ever holding it, once the channel is closed (the holder drains it).
 * A deposed seat's receive rejects with FENCED.
 */
export function seatProposals(seat: WriterSeat, channel: RedisChannel): ProposalPort {
  const fenced = (error: unknown) => {
    if (error instanceof FencedError) seat.depose();
    throw error;
  };
  /** Whether this seat may read now; a standby without the lease waits a little and may not. */
  const mayRead = async (timeoutMs: number, signal: AbortSignal | undefined) => {
    if (seat.deposed) throw new FencedError(`${seat.holder} lost the ledger writer lease to a newer verifier`);
    if (await seat.tryTake()) return true;
    await sleep(Math.min(timeoutMs, STANDBY_POLL_MS), undefined, { signal }).catch(() => undefined);
    return false;
  };
  return {
    send: (message) => channel.send(message),
    async receive(timeoutMs, signal) {
      return (await mayRead(timeoutMs, signal)) ? channel.receive(timeoutMs, signal) : undefined;
    },
    async receiveBatch(max, timeoutMs, signal) {
      return (await mayRead(timeoutMs, signal)) ? channel.receiveBatch(max, timeoutMs, signal) : [];
    },
    processed: () => channel.processed().catch(fenced),
    ended: async () => (seat.writer ? channel.ended() : channel.closed()),
    close: () => channel.close(),
  };
}
