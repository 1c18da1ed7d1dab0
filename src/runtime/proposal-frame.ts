/**
 * How a proposal travels from an agent to the verifier: the envelope as JSON, and the body's text
 * field (`text`, or a final answer's `answer`) carried raw after a newline instead of inside the JSON.
 * JSON text never holds a raw newline, so the first one ends the envelope; UTF-8 never uses the
 * newline byte inside a multi-byte character, so the first 0x0a byte ends it in the bytes too. A
 * verifier that received the bytes (shared memory) can then store the text it checked by copying the
 * bytes it arrived as, not by decoding and encoding it again. A message without a newline is a plain
 * JSON envelope, as before.
 *
 * The frame may also say when it was sent (`sentAt`: `monotonicMs()`, the clock every thread of the
 * process reads; only where sender and verifier share it), so the verifier can tell how long a
 * proposal waited for it and how long it took to decide, without pairing events after the fact.
 */
import type { ProposalEnvelope } from '../protocols/kit/protocol.js';
import { extend } from '../internal/extend.js';

/** Body fields carried raw, in order of preference: the first that is a well-formed string is. */
const RAW_FIELDS = ['text', 'answer'] as const;
const NEWLINE = 0x0a;

/** The envelope as one channel message (see the module comment), stamped `sentAt` when given. */
export function encodeProposal(envelope: ProposalEnvelope, sentAt?: number): string {
  const body = envelope.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const field of RAW_FIELDS) {
      const value = (body as Record<string, unknown>)[field];
      // A lone surrogate would not survive the channel's UTF-8 raw; JSON escapes it.
      if (typeof value !== 'string' || !value.isWellFormed()) continue;
      // Built without the field rather than copied and deleted from: a deletion leaves a slow object to serialise.
      const rest: Record<string, unknown> = {};
      for (const key of Object.keys(body)) if (key !== field) rest[key] = (body as Record<string, unknown>)[key];
      const framed = extend(envelope, { body: rest, raw: field, ...(sentAt === undefined ? {} : { sentAt }) });
      return `${JSON.stringify(framed)}\n${value}`;
    }
  }
  return JSON.stringify(sentAt === undefined ? envelope : extend(envelope, { sentAt }));
}

/** The raw text of a received proposal: the string, and the UTF-8 bytes it arrived as when they are at hand. */
export interface RawText {
  readonly text: string;
  readonly utf8: Uint8Array | undefined;
}

/**
 * A received proposal: its envelope's JSON with the raw field put back (and the send stamp taken
 * out), that field's raw text, and when it was sent if the frame says.
 */
export interface DecodedProposal {
  readonly json: unknown;
  readonly raw: RawText | undefined;
  /** When the proposal was sent (see the module comment); absent when the frame does not say. */
  readonly sentAt?: number;
}

/** Takes the send stamp out of a decoded envelope's JSON: the number it held, if it held one. */
function takeSentAt(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null || !('sentAt' in json)) return undefined;
  const { sentAt } = json as { sentAt?: unknown };
  delete (json as { sentAt?: unknown }).sentAt;
  return typeof sentAt === 'number' && Number.isFinite(sentAt) ? sentAt : undefined;
}

/** `decoded` with `sentAt` when there is one (exactOptionalPropertyTypes: no undefined member). */
const stamped = (decoded: DecodedProposal, sentAt: number | undefined): DecodedProposal =>
  sentAt === undefined ? decoded : { json: decoded.json, raw: decoded.raw, sentAt };

/**
 * Reads a proposal message; `utf8`, when given, is the same message as the bytes it was sent as.
 * Throws (SyntaxError) when the envelope is not JSON.
 */
export function decodeProposal(message: string, utf8?: Uint8Array): DecodedProposal {
  const newline = message.indexOf('\n');
  if (newline < 0) {
    const json = JSON.parse(message) as unknown;
    return stamped({ json, raw: undefined }, takeSentAt(json));
  }
  const json = JSON.parse(message.slice(0, newline)) as unknown;
  const sentAt = takeSentAt(json);
  const text = message.slice(newline + 1);
  if (typeof json !== 'object' || json === null) return { json, raw: undefined };
  const envelope = json as { raw?: unknown; body?: unknown };
  const field = envelope.raw;
  delete envelope.raw;
  if (
    !RAW_FIELDS.includes(field as (typeof RAW_FIELDS)[number]) ||
    typeof envelope.body !== 'object' ||
    envelope.body === null
  )
    return stamped({ json, raw: undefined }, sentAt);
  (envelope.body as Record<string, unknown>)[field as string] = text;
  const at = utf8?.indexOf(NEWLINE) ?? -1;
  return stamped({ json, raw: { text, utf8: at >= 0 ? utf8!.subarray(at + 1) : undefined } }, sentAt);
}
