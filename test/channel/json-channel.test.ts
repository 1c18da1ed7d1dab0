import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonChannel } from '../../src/channel/json-channel.js';
import { SharedChannel } from '../../src/channel/shared-channel.js';

const Proposal = z.object({ taskId: z.number().int(), gist: z.string() });
type Proposal = z.infer<typeof Proposal>;

describe('JsonChannel', () => {
  it('round-trips typed values', async () => {
    const json = new JsonChannel<Proposal>(SharedChannel.create({ slots: 4, maxMessageBytes: 256 }), Proposal);
    json.send({ taskId: 1, gist: 'quote “found” 😀' });
    expect(json.trySend({ taskId: 2, gist: '' })).toBe(true);
    expect(json.size).toBe(2);
    expect(json.receive(0)).toEqual({ taskId: 1, gist: 'quote “found” 😀' });
    expect(await json.receiveAsync(0)).toEqual({ taskId: 2, gist: '' });
    expect(json.malformed).toBe(0);
  });

  it('skips and counts messages that are not JSON or fail the schema, without throwing', async () => {
    const raw = SharedChannel.create({ slots: 8, maxMessageBytes: 256 });
    const seen: string[] = [];
    const json = new JsonChannel<Proposal>(raw, Proposal, {
      onMalformed: (text, reason) => seen.push(`${text} → ${reason}`),
    });
    raw.trySend('not json {');
    raw.trySend(JSON.stringify({ taskId: 'x', gist: 'wrong type' }));
    json.send({ taskId: 3, gist: 'ok' });
    raw.trySend('null');
    expect(await json.receiveAsync(100)).toEqual({ taskId: 3, gist: 'ok' });
    expect(json.malformed).toBe(2);
    expect(json.receive(30)).toBeUndefined(); // the trailing malformed one is skipped, then the timeout
    expect(json.malformed).toBe(3);
    expect(seen[0]).toMatch(/^not json \{ → not JSON/);
    expect(seen[1]).toMatch(/taskId/);
  });

  it('returns undefined once the underlying channel is closed and drained', async () => {
    const json = new JsonChannel<Proposal>(SharedChannel.create({ slots: 4, maxMessageBytes: 64 }), Proposal);
    json.send({ taskId: 1, gist: 'last' });
    json.close();
    expect(json.closed).toBe(true);
    expect(await json.receiveAsync()).toEqual({ taskId: 1, gist: 'last' });
    expect(await json.receiveAsync()).toBeUndefined();
  });
});
