/**
 * How a proposal travels from an agent to the verifier: the envelope as JSON, and the body's text
 * field (`text`, or a final answer's `answer`) carried raw after a newline instead of inside the JSON.
 * JSON text never holds a raw newline, so the first one ends the envelope; UTF-8 never uses the
 * newline byte inside a multi-byte character, so the first 0x0a byte ends it in the bytes too. A
 * verifier that received the bytes (shared memory) can then store the text it checked by copying the
 * bytes it arrived as, not by decoding and encoding it again. A message without a newline is a plain
 * JSON envelope, as before.
 */
import type { ProposalEnvelope } from '../protocols/kit/protocol.js';

/** Body fields carried raw, in order of preference: the first that is a well-formed string is. */
const RAW_FIELDS = ['text', 'answer'] as const;
const NEWLINE = 0x0a;

/** The envelope as one channel message (see the module comment). */
export function encodeProposal(envelope: ProposalEnvelope): string {
  const body = envelope.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const field of RAW_FIELDS) {
      const value = (body as Record<string, unknown>)[field];
      // A lone surrogate would not survive the channel's UTF-8 raw; JSON escapes it.
      if (typeof value !== 'string' || !value.isWellFormed()) continue;
      const rest: Record<string, unknown> = { ...body };
      delete rest[field];
      return `${JSON.stringify({ ...envelope, body: rest, raw: field })}\n${value}`;
    }
  }
  return JSON.stringify(envelope);
}

/** The raw text of a received proposal: the string, and the UTF-8 bytes it arrived as when they are at hand. */
export interface RawText {
  readonly text: string;
  readonly utf8: Uint8Array | undefined;
}

/** A received proposal: its envelope's JSON with the raw field put back, and that field's raw text. */
export interface DecodedProposal {
  readonly json: unknown;
  readonly raw: RawText | undefined;
}

/**
 * Reads a proposal message; `utf8`, when given, is the same message as the bytes it was sent as.
 * Throws (SyntaxError) when the envelope is not JSON.
 */
export function decodeProposal(message: string, utf8?: Uint8Array): DecodedProposal {
  const newline = message.indexOf('\n');
  if (newline < 0) return { json: JSON.parse(message) as unknown, raw: undefined };
  const json = JSON.parse(message.slice(0, newline)) as unknown;
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
    return { json, raw: undefined };
  (envelope.body as Record<string, unknown>)[field as string] = text;
  const at = utf8?.indexOf(NEWLINE) ?? -1;
  return { json, raw: { text, utf8: at >= 0 ? utf8!.subarray(at + 1) : undefined } };
}
