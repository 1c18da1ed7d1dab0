/**
 * The verifier's seat on Redis: the ledger's writer lease, taken at start (the coordinator's verifier,
 * `delm resume`) or on failover (a standby in `delm worker --standby-verifier`, which takes the seat
 * once the holder's lease lapses). Taking the seat claims the proposals the previous holder left
 * unacknowledged; holding it renews the lease; losing it (a newer epoch: this process was frozen past
 * its lease) fences every append and acknowledgement, and the verifier stands by again: it takes the
 * seat back (a newer epoch still) if its successor's lease lapses in turn.
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
  /** Deposed, and the verifier not yet told (FENCED) — the renewal found out while it waited. */
  private untold = false;
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
    return this.held;
  }

  /**
   * Takes the lease if it is free (or lapsed): a new epoch, which fences every earlier writer; then
   * claims what earlier verifiers left unacknowledged and starts renewing. False while another
   * verifier's lease is live.
   */
  async tryTake(): Promise<boolean> {
    if (this.held) return true;
    const writer = await this.ledger.acquireWriter(this.holder, this.leaseMs);
    if (!writer) return false;
    this.held = writer;
    await this.channel.takeOver(this.holder, writer.epoch);
    // The next check must see everything committed so far, a predecessor's last commits included.
    this.last = (await this.ledger.count()) - 1;
    this.renewTimer = setInterval(
      () =>
        void writer.renew().catch((error: unknown) => {
          if (error instanceof FencedError) this.depose(writer);
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

  /**
   * A newer epoch superseded `writer` (this seat's, when it still holds that one): stop renewing and
   * stand by; the next {@link tryTake} asks for the lease again.
   */
  depose(writer: RedisLedgerWriter | undefined = this.held): void {
    if (!writer || writer !== this.held) return;
    this.held = undefined;
    this.untold = true;
    clearInterval(this.renewTimer);
  }

  /**
   * The FENCED error that tells the verifier it was deposed: `error` as caught, or a new one saying
   * `detail` (once per deposition: see {@link untoldDeposition}).
   */
  fenced(detail: string | FencedError): FencedError {
    this.untold = false;
    return detail instanceof FencedError ? detail : new FencedError(`${this.holder} ${detail}`);
  }

  /** Whether this seat was deposed and the verifier has not been told yet. */
  get untoldDeposition(): boolean {
    return this.untold;
  }

  /** Gives the lease up (when still held) so a standby can take over at once. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    if (this.held) await this.held.resign();
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
      if (!writer) throw seat.fenced('does not hold the ledger writer lease');
      try {
        const entry = await writer.append(input);
        seat.last = Math.max(seat.last, entry.id);
        return entry;
      } catch (error) {
        if (error instanceof FencedError) {
          seat.depose(writer);
          throw seat.fenced(error);
        }
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
 * (`standby`: the seat is taken lazily), or a deposed verifier standing by again, asks for the lease
 * on each receive and receives nothing until it has it; it ends, without holding it, once the channel
 * is closed (the holder drains it). Acknowledging after the seat was superseded rejects with FENCED.
 */
export function seatProposals(seat: WriterSeat, channel: RedisChannel): ProposalPort {
  const fenced = (writer: RedisLedgerWriter | undefined) => (error: unknown) => {
    if (!(error instanceof FencedError)) throw error;
    seat.depose(writer);
    throw seat.fenced(error);
  };
  /**
   * Whether this seat may read now; a standby without the lease waits a little and may not. A seat
   * deposed while its verifier waited (the renewal was refused) says so first, once (FENCED).
   */
  const mayRead = async (timeoutMs: number, signal: AbortSignal | undefined) => {
    if (seat.untoldDeposition) throw seat.fenced('lost the ledger writer lease to a newer verifier');
    // Once the run's proposals are all processed and no more can come, nobody need take the lease
    // (the last holder resigns as it ends): standing by ends with the channel.
    if (seat.writer || !(await channel.ended())) if (await seat.tryTake()) return true;
    await sleep(Math.min(timeoutMs, STANDBY_POLL_MS), undefined, { signal }).catch(() => undefined);
    return false;
  };
  return {
    send: (message) => channel.send(message),
    async receive(timeoutMs, signal) {
      if (!(await mayRead(timeoutMs, signal))) return undefined;
      return channel.receive(timeoutMs, signal).catch(fenced(seat.writer));
    },
    async receiveBatch(max, timeoutMs, signal) {
      if (!(await mayRead(timeoutMs, signal))) return [];
      return channel.receiveBatch(max, timeoutMs, signal).catch(fenced(seat.writer));
    },
    processed: () => channel.processed().catch(fenced(seat.writer)),
    ended: async () => (seat.writer ? channel.ended() : channel.closed()),
    close: () => channel.close(),
  };
}
