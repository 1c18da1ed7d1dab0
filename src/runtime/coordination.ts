/**
 * What agents and the verifier coordinate through besides the queue and the ledger, as contracts
 * both backends meet: the run's control (finalizer election, phase, proposal counters), the proposal
 * channel, and the ledger's write side. On one machine they are shared memory (adapted here); across
 * processes, Redis (src/redis). Every operation is a promise, so nothing above them knows which.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Budget, AsyncBudget, BudgetAmount } from '../budget/types.js';
import type { ConsumerWake, SharedChannel } from '../channel/shared-channel.js';
import { AbortedError } from '../errors.js';
import type { SharedLedger } from '../ledger/shared-ledger.js';
import type { LedgerEntry, LedgerEntryInput } from '../ledger/types.js';
import type { TaskQueue } from '../queue/types.js';
import type { Election } from '../../machines/types.js';
import type { RunControl, StopCode } from './run-control.js';

/** The run's control, as agents, the verifier and the supervisor use it. */
export interface RunCoordination {
  /** Claim, finalize, exit, or (shared memory only) be released while another agent decides (see `RunControl.elect`). */
  elect(agentId: number, signal?: AbortSignal): Promise<Election>;
  /** The finalizer enqueued more work: everyone goes back to claiming. */
  resume(): Promise<void>;
  /** The finalizer answered: every agent exits. */
  finish(): Promise<void>;
  /** Stops the run for `reason` (the first reason wins). */
  stop(reason: Exclude<StopCode, 'none'>): Promise<void>;
  /** Reopens the election if `agentId` died while finalizing. */
  releaseFinalizer(agentId: number): Promise<boolean>;
  proposalSent(): Promise<void>;
  proposalProcessed(): Promise<void>;
  /** Resolves once the verifier processed every proposal sent so far (or the run stops). */
  settled(signal?: AbortSignal): Promise<void>;
}

/** A proposal as a channel that holds bytes hands it over: its text, and the UTF-8 bytes it arrived as. */
export interface ReceivedProposal {
  readonly message: string;
  readonly utf8: Uint8Array;
}

/** The proposal channel from agents to the verifier. */
export interface ProposalPort {
  /**
   * Set when every sender and the verifier are threads of one process and so read one clock
   * (`monotonicMs`): proposals then carry their send time (see proposal-frame.ts). Unset across processes.
   */
  readonly sharesClock?: boolean;
  /** Sends one proposal; rejects with ABORTED when stopped while the channel is full or closed. */
  send(message: string, signal: AbortSignal): Promise<void>;
  /** The next proposal, waiting up to `timeoutMs`; undefined when none came. */
  receive(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Every proposal waiting now, up to `max`, in order of arrival: waits up to `timeoutMs` for the
   * first, then takes what is already there without waiting again; empty when none came.
   */
  receiveBatch(max: number, timeoutMs: number, signal?: AbortSignal): Promise<Array<string | ReceivedProposal>>;
  /** The verifier is done with the oldest proposal it received and had not yet processed (Redis: acknowledged). */
  processed(): Promise<void>;
  /** Closed, and nothing left to receive. */
  ended(): Promise<boolean>;
  close(): Promise<void>;
}

/** The ledger's write side as the verifier uses it. */
export interface EntryWriter {
  append(entry: LedgerEntryInput): Promise<LedgerEntry>;
  /**
   * Optional: appends an entry whose text is `text`, given also as the UTF-8 bytes it was received as,
   * by copying the bytes (see `SharedLedger.appendUtf8`). Backends without it are sent `append`.
   */
  appendUtf8?(entry: Omit<LedgerEntryInput, 'text'>, utf8: Uint8Array, text: string): Promise<LedgerEntry>;
  /** Resolves once this process's reads of the ledger see every entry appended so far. */
  caughtUp(): Promise<void>;
}

/** A budget of either backend. */
export type AnyBudget = Budget | AsyncBudget;

/** Charges `amount` at once (reserve and settle), refusing with BUDGET_EXHAUSTED when it does not fit. */
export function charge(budget: AnyBudget, amount: BudgetAmount): void | Promise<void> {
  const reservation = budget.reserve(amount);
  if (reservation instanceof Promise) return reservation.then((r) => (budget as AsyncBudget).settle(r, amount));
  (budget as Budget).settle(reservation, amount);
}

/** The shared-memory control seen through {@link RunCoordination}. */
export function sharedCoordination(control: RunControl, queue: TaskQueue): RunCoordination {
  return {
    elect: (agentId, signal) => control.elect(agentId, queue, signal),
    resume: async () => control.resume(),
    finish: async () => control.finish(),
    stop: async (reason) => control.stop(reason),
    releaseFinalizer: async (agentId) => control.releaseFinalizer(agentId),
    proposalSent: async () => control.proposalSent(),
    proposalProcessed: async () => control.proposalProcessed(),
    settled: (signal) => control.settled(signal),
  };
}

/**
 * The shared-memory channel seen through {@link ProposalPort}. A full channel is retried with a
 * growing pause rather than blocking the worker's event loop. `wake`: when a send wakes the verifier
 * (see {@link ConsumerWake}).
 */
export function sharedProposals(channel: SharedChannel, wake: ConsumerWake = 'now'): ProposalPort {
  return {
    sharesClock: true,
    async send(message, signal) {
      for (let pause = 1; !channel.trySend(message, wake); pause = Math.min(pause * 2, 100)) {
        if (signal.aborted || channel.closed) throw new AbortedError('stopped while the proposal channel was full');
        await sleep(pause);
      }
    },
    receive: (timeoutMs, signal) => channel.receiveAsync(timeoutMs, signal),
    async receiveBatch(max, timeoutMs, signal) {
      const first = await channel.receiveUtf8Async(timeoutMs, signal);
      if (first === undefined) return [];
      const batch = [received(first)];
      while (batch.length < max) {
        const next = channel.tryReceiveUtf8();
        if (next === undefined) break;
        batch.push(received(next));
      }
      return batch;
    },
    processed: async () => undefined,
    ended: async () => channel.closed && channel.size === 0,
    close: async () => channel.close(),
  };
}

/** A message as the shared channel hands it over: its bytes, and their text. */
function received(utf8: Uint8Array): ReceivedProposal {
  return { message: Buffer.from(utf8.buffer, utf8.byteOffset, utf8.length).toString('utf8'), utf8 };
}

/** The shared-memory ledger's write side seen through {@link EntryWriter}. */
export function sharedWriter(writer: SharedLedger): EntryWriter {
  return {
    append: async (entry) => writer.append(entry),
    appendUtf8: async (entry, utf8, text) => writer.appendUtf8(entry, utf8, text),
    caughtUp: async () => undefined,
  };
}
