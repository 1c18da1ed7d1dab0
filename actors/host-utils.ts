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
export async function sendProposal(run: AttachedRun, envelope: ProposalEnvelope, signal: AbortSignal): Promise<void> {
  const message = encodeProposal(envelope, run.proposals.sharesClock ? monotonicMs() : undefined);
  await run.control.proposalSent();
  await run.proposals.send(message, signal);
}
