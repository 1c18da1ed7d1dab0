/**
 * The proposal frame: an envelope's text travels raw after its JSON, so the verifier can store the
 * bytes it received. Through a real shared channel, the decoded envelope is the one sent and the
 * raw bytes are exactly the UTF-8 of its text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SharedChannel } from '../../src/channel/shared-channel.js';
import { decodeProposal, encodeProposal } from '../../src/runtime/proposal-frame.js';
import { monotonicMs } from '../../src/internal/monotonic.js';
import type { ProposalEnvelope } from '../../src/protocols/kit/protocol.js';

/** Sends `envelope` framed through a channel and decodes it from the bytes received. */
function roundTrip(channel: SharedChannel, envelope: ProposalEnvelope) {
  expect(channel.trySend(encodeProposal(envelope))).toBe(true);
  const utf8 = channel.tryReceiveUtf8()!;
  return decodeProposal(Buffer.from(utf8).toString('utf8'), utf8);
}

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }), // any code point, newlines and U+FFFD included
);

describe('proposal frame', () => {
  it('carries the body text raw: the envelope decodes as sent and the raw bytes are its UTF-8', () => {
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 8 << 10 });
    fc.assert(
      fc.property(
        text,
        fc.array(fc.record({ source: text, text }), { maxLength: 3 }),
        fc.option(fc.jsonValue(), { nil: undefined }),
        (body, quotes, precheck) => {
          const envelope: ProposalEnvelope = {
            agentId: 3,
            taskId: 7,
            body: { kind: 'gist', text: body, quotes },
            ...(precheck !== undefined ? { precheck } : {}),
          };
          const { json, raw } = roundTrip(channel, envelope);
          expect(json).toEqual(JSON.parse(JSON.stringify(envelope)));
          expect(raw?.text).toBe(body);
          expect(Buffer.from(raw!.utf8!).toString('hex')).toBe(Buffer.from(body, 'utf8').toString('hex'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("carries a final answer's text raw, and sends other bodies as plain JSON", () => {
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 1024 });
    const answer = { agentId: 1, taskId: -1, body: { answer: 'B — 日本語 🧪\nSources: [S1]' } };
    const decoded = roundTrip(channel, answer);
    expect(decoded.json).toEqual(answer);
    expect(Buffer.from(decoded.raw!.utf8!).toString('utf8')).toBe(answer.body.answer);

    for (const body of [{ kind: 'summary', points: [] }, 'a string body', null, [1, 2], { text: 42 }]) {
      const envelope = { agentId: 1, taskId: 2, body };
      expect(encodeProposal(envelope)).toBe(JSON.stringify(envelope));
      expect(roundTrip(channel, envelope)).toEqual({ json: envelope, raw: undefined });
    }
  });

  it('keeps a lone surrogate (which raw UTF-8 cannot carry) inside the JSON, escaped', () => {
    const envelope = { agentId: 1, taskId: 2, body: { kind: 'gist', text: 'half \ud83e of an emoji' } };
    expect(encodeProposal(envelope)).toBe(JSON.stringify(envelope));
    expect(decodeProposal(encodeProposal(envelope))).toEqual({ json: envelope, raw: undefined });
  });

  it('carries the send stamp beside the envelope, framed or plain, and hands it back out of the JSON', () => {
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 1024 });
    const sentAt = monotonicMs();
    for (const envelope of [
      { agentId: 1, taskId: 2, body: { kind: 'gist', text: 'raw ✓' } },
      { agentId: 1, taskId: 2, body: { kind: 'summary', points: [] } },
    ]) {
      expect(channel.trySend(encodeProposal(envelope, sentAt))).toBe(true);
      const utf8 = channel.tryReceiveUtf8()!;
      const decoded = decodeProposal(Buffer.from(utf8).toString('utf8'), utf8);
      expect(decoded.json).toEqual(envelope);
      expect(decoded.sentAt).toBe(sentAt);
    }
    const unstamped = decodeProposal(encodeProposal({ agentId: 1, taskId: 2, body: { kind: 'gist', text: 't' } }));
    expect('sentAt' in unstamped).toBe(false);
    const bogus = decodeProposal(JSON.stringify({ agentId: 1, taskId: 2, body: null, sentAt: 'soon' }));
    expect(bogus).toEqual({ json: { agentId: 1, taskId: 2, body: null }, raw: undefined });
  });

  it('reads a message of text alone (a backend holding no bytes) the same, without bytes', () => {
    const envelope = { agentId: 1, taskId: 2, body: { kind: 'gist', text: 'line one\nline two ✓' } };
    const { json, raw } = decodeProposal(encodeProposal(envelope));
    expect(json).toEqual(envelope);
    expect(raw).toEqual({ text: 'line one\nline two ✓', utf8: undefined });
    expect(() => decodeProposal('{not json\nrest')).toThrow(SyntaxError);
  });
});
