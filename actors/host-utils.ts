/** Small helpers shared by the worker hosts. */
import type { ProposalEnvelope } from '../src/protocols/kit/protocol.js';
import { encodeProposal } from '../src/runtime/proposal-frame.js';
import type { AttachedRun } from './attach-run.js';
import { monotonicMs } from '../src/internal/monotonic.js';

/** `"thinking.model.calling"` for `{ thinking: { model: 'calling' } }`; parallel regions joined with `|`. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const parts = Object.entries(value).map(([k, v]) => (typeof v === 'string' ? `${k}.${v}` : `${k}.${stateName(v)}`));
  return parts.join('|');
}

/**
 * Sends a proposal to the verifier without blocking the worker's event loop (framed by
 * `encodeProposal`: its text raw after the JSON, stamped with the time it was sent when the verifier
 * reads the same clock). Counted as sent first, so the verifier's processed count can never run ahead of it.
 */
export async function sendProposal(
  run: Pick<AttachedRun, 'proposals' | 'control'>,
  envelope: ProposalEnvelope,
  signal: AbortSignal,
): Promise<void> {
  const message = encodeProposal(envelope, run.proposals.sharesClock ? monotonicMs() : undefined);
  await run.control.proposalSent();
  await run.proposals.send(message, signal);
}

/**
 * How a host stops one of its agents: what an AbortController did for it, without an AbortSignal (on
 * Node 20 one costs ~10 µs to make and ~0.8 KB that young-generation collections copy while its agent
 * lives: one per agent and run). A stop that comes before the agent listens is kept for it.
 */
export class AgentStop {
  #stopped = false;
  #reason: string | undefined;
  #onStop: ((reason: string | undefined) => void) | undefined;

  /** Stops the agent (its listener hears it once); later stops change nothing. */
  stop(reason?: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reason = reason;
    const onStop = this.#onStop;
    this.#onStop = undefined;
    onStop?.(reason);
  }

  /** Has `onStop` hear the stop: now if it came already, else when it comes. Replaces an earlier listener. */
  listen(onStop: (reason: string | undefined) => void): void {
    if (this.#stopped) onStop(this.#reason);
    else this.#onStop = onStop;
  }

  /** Drops the listener. */
  unlisten(): void {
    this.#onStop = undefined;
  }
}

/** Longest a thread's agents run on without its event loop taking a turn (see {@link turnIfBusy}). */
const MAX_BUSY_MS = 50;
/** Whether an immediate is pending that marks the loop's next turn, and since when. */
let watching = false;
let watchedSince = 0;
const sawTurn = () => {
  watching = false;
};

/**
 * A promise of the event loop's next turn when this thread has gone {@link MAX_BUSY_MS} without one,
 * else undefined (nothing to await). Agents whose model answers at once (the offline model, a cache)
 * chain sub-task after sub-task in microtasks: without a turn the thread's heartbeat timer never fires
 * (the run then kills it as hung: a run of 36,000 sub-tasks lost every agent every 10 s), its events
 * are not posted, and a stop message is not read. A turn is seen by an immediate set at the first
 * check after the last one: still pending 50 ms later, the loop has had no turn since.
 */
export function turnIfBusy(): Promise<void> | undefined {
  const now = performance.now();
  if (!watching) {
    watching = true;
    watchedSince = now;
    setImmediate(sawTurn);
    return undefined;
  }
  if (now - watchedSince < MAX_BUSY_MS) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}
