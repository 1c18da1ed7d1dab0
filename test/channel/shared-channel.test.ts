import { describe, expect, it } from 'vitest';
import { SharedChannel } from '../../src/channel/shared-channel.js';
import { ChannelFullError, MessageTooLargeError } from '../../src/channel/errors.js';
import { C, CELL_WORDS, H, P, initCells, stateWord } from '../../src/channel/layout.js';
import { AbortedError, type DelmError, InvalidConfigError } from '../../src/errors.js';
import { ManualClock } from '../../src/internal/clock.js';
import { pending } from '../helpers/clock.js';

const drain = (channel: SharedChannel): string[] => {
  const out: string[] = [];
  for (let m = channel.tryReceive(); m !== undefined; m = channel.tryReceive()) out.push(m);
  return out;
};

/** Takes a ticket the way a producer does and stops before publishing (a producer killed mid-send). */
function reserveAndDie(channel: SharedChannel, phase: 'reserved' | 'writing'): number {
  const ctl = new Int32Array(channel.handle.control);
  const cells = new Int32Array(channel.handle.cells);
  const ticket = Atomics.add(ctl, H.TAIL, 1);
  if (phase === 'writing')
    Atomics.store(cells, (ticket & (channel.capacity - 1)) * CELL_WORDS + C.SEQ, stateWord(ticket, P.WRITING));
  return ticket;
}

describe('SharedChannel', () => {
  it('rounds slots up to a power of two and reports size', () => {
    const channel = SharedChannel.create({ slots: 5, maxMessageBytes: 16 });
    expect(channel.capacity).toBe(8);
    expect(channel.size).toBe(0);
    channel.trySend('a');
    channel.trySend('b');
    expect(channel.size).toBe(2);
  });

  it('delivers messages in order with multi-byte text and empty strings intact', () => {
    const channel = SharedChannel.create({ slots: 8, maxMessageBytes: 64 });
    const sent = ['plain', '', 'héllo wörld', '漢字 😀🚀', '{"a":"\\n"}'];
    for (const m of sent) expect(channel.trySend(m)).toBe(true);
    expect(drain(channel)).toEqual(sent);
    expect(channel.tryReceive()).toBeUndefined();
  });

  it('hands messages over as the UTF-8 bytes they were sent as, each a private copy', async () => {
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 64 });
    const sent = ['héllo wörld', '', '漢字 😀🚀', 'after a lap', 'x'.repeat(64)];
    const got: Uint8Array[] = [];
    for (const m of sent.slice(0, 3)) channel.trySend(m);
    for (let i = 0; i < 3; i++) got.push(channel.tryReceiveUtf8()!);
    for (const m of sent.slice(3)) channel.trySend(m);
    got.push((await channel.receiveUtf8Async(1_000))!, channel.tryReceiveUtf8()!);
    expect(channel.tryReceiveUtf8()).toBeUndefined();
    expect(got.map((b) => Buffer.from(b).toString('hex'))).toEqual(
      sent.map((m) => Buffer.from(m, 'utf8').toString('hex')),
    );
    // The ring's slots were reused (a lap) and rewritten: the copies handed over are not views of them.
    channel.trySend('y'.repeat(64));
    channel.trySend('z'.repeat(64));
    expect(Buffer.from(got[0]!).toString('utf8')).toBe('héllo wörld');
    expect(got.every((b) => !(b.buffer instanceof SharedArrayBuffer))).toBe(true);
    expect(await channel.receiveUtf8Async(5)).toBeDefined();
  });

  it('reuses slots across many laps of the ring', () => {
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 16 });
    const got: string[] = [];
    for (let i = 0; i < 1000; i++) {
      channel.send(`m${i}`);
      if (i % 3 === 2) got.push(...drain(channel));
    }
    got.push(...drain(channel));
    expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => `m${i}`));
  });

  it('keeps order and size right when tickets wrap past 2^31', () => {
    const channel = SharedChannel.create({ slots: 8, maxMessageBytes: 16 });
    const ctl = new Int32Array(channel.handle.control);
    const start = 2 ** 31 - 5;
    ctl[H.TAIL] = start | 0;
    ctl[H.HEAD] = start | 0;
    initCells(new Int32Array(channel.handle.cells), channel.capacity, start | 0);
    const got: string[] = [];
    for (let i = 0; i < 100; i++) {
      expect(channel.trySend(`w${i}`)).toBe(true);
      if (i % 5 === 4) {
        expect(channel.size).toBe(5);
        got.push(...drain(channel));
      }
    }
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `w${i}`));
    expect(Atomics.load(ctl, H.TAIL)).toBeLessThan(0); // really wrapped
  });

  it('trySend returns false and send throws CHANNEL_FULL when the ring stays full', () => {
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 8 });
    expect(channel.trySend('1')).toBe(true);
    expect(channel.trySend('2')).toBe(true);
    expect(channel.trySend('3')).toBe(false);
    const started = Date.now();
    const error = (() => {
      try {
        channel.send('3', 30);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ChannelFullError);
    expect((error as DelmError).code).toBe('CHANNEL_FULL');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(drain(channel)).toEqual(['1', '2']);
  });

  it('measures the size limit in UTF-8 bytes and throws MESSAGE_TOO_LARGE beyond it', () => {
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 8 });
    expect(channel.trySend('😀😀')).toBe(true); // 8 bytes
    expect(() => channel.trySend('😀😀a')).toThrow(MessageTooLargeError);
    expect(() => channel.send('123456789')).toThrow(
      expect.objectContaining({ code: 'MESSAGE_TOO_LARGE', bytes: 9, limit: 8 }),
    );
    expect(drain(channel)).toEqual(['😀😀']);
  });

  it('refuses sends after close but lets the consumer drain what was sent', async () => {
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 8 });
    channel.trySend('x');
    channel.close();
    expect(channel.closed).toBe(true);
    expect(() => channel.trySend('y')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => channel.send('y')).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await expect(channel.sendAsync('y')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(channel.receive()).toBe('x');
    expect(channel.receive()).toBeUndefined();
    expect(await channel.receiveAsync()).toBeUndefined();
  });

  it('wakes a waiting receiveAsync when a message arrives and when the channel closes', async () => {
    // On a clock that never moves, no timeout can end these waits: only the message and the close can.
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 8, clock: ManualClock.create() });
    const pending = channel.receiveAsync(5_000);
    setTimeout(() => channel.trySend('late'), 20);
    expect(await pending).toBe('late');
    const waiting = channel.receiveAsync();
    setTimeout(() => channel.close(), 20);
    expect(await waiting).toBeUndefined();
  });

  it('receiveAsync resolves undefined on timeout and on abort', async () => {
    const clock = ManualClock.create();
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 8, clock });
    const timed = channel.receiveAsync(40);
    clock.advance(39);
    expect(await pending(timed)).toBe(true);
    clock.advance(1);
    expect(await timed).toBeUndefined();
    const controller = new AbortController();
    const waiting = channel.receiveAsync(10_000, controller.signal);
    expect(await pending(waiting)).toBe(true);
    controller.abort();
    expect(await waiting).toBeUndefined();
  });

  it('sendAsync waits for room, and throws AbortedError or CHANNEL_FULL when it cannot get it', async () => {
    const clock = ManualClock.create();
    const channel = SharedChannel.create({ slots: 2, maxMessageBytes: 8, clock });
    channel.trySend('1');
    channel.trySend('2');
    const sending = channel.sendAsync('3', 5_000);
    setTimeout(() => channel.tryReceive(), 20);
    await sending;
    expect(drain(channel)).toEqual(['2', '3']);
    channel.trySend('a');
    channel.trySend('b');
    const controller = new AbortController();
    const aborted = channel.sendAsync('c', 5_000, controller.signal);
    expect(await pending(aborted)).toBe(true);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    const full = channel.sendAsync('c', 30);
    clock.advance(29);
    expect(await pending(full)).toBe(true);
    clock.advance(1);
    await expect(full).rejects.toBeInstanceOf(ChannelFullError);
    expect(drain(channel)).toEqual(['a', 'b']);
  });

  it.each(['reserved', 'writing'] as const)(
    'skips a slot left %s by a dead producer after abandonMs, and delivers what follows',
    async (phase) => {
      const clock = ManualClock.create();
      const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 16, abandonMs: 60, clock });
      channel.trySend('before');
      reserveAndDie(channel, phase);
      channel.trySend('after');
      expect(channel.tryReceive()).toBe('before');
      expect(channel.tryReceive()).toBeUndefined(); // the dead slot blocks the head until abandonMs
      clock.advance(59);
      expect(channel.tryReceive()).toBeUndefined();
      expect(channel.stats().abandoned).toBe(0);
      const next = channel.receiveAsync(2_000);
      expect(await pending(next)).toBe(true);
      clock.advance(1);
      expect(await next).toBe('after');
      expect(channel.stats()).toMatchObject({ abandoned: 1, corrupted: 0, size: 0 });
      // Every slot, the abandoned one included, is usable again: the ring holds a full lap.
      for (let i = 0; i < 4; i++) expect(channel.trySend(`n${i}`)).toBe(true);
      expect(channel.trySend('n4')).toBe(false);
      expect(drain(channel)).toEqual(['n0', 'n1', 'n2', 'n3']);
    },
  );

  it('times abandonment from when the consumer first saw the slot stuck, on the clock every attached thread reads', () => {
    const clock = ManualClock.create();
    const producer = SharedChannel.create({ slots: 4, maxMessageBytes: 16, abandonMs: 60, clock });
    const consumer = SharedChannel.attach(structuredClone(producer.handle));
    reserveAndDie(producer, 'reserved');
    clock.advance(1_000); // time before anyone looked does not count
    expect(consumer.tryReceive()).toBeUndefined();
    ManualClock.attach(structuredClone(clock.handle)).advance(59);
    expect(consumer.tryReceive()).toBeUndefined();
    clock.advance(1);
    expect(consumer.tryReceive()).toBeUndefined(); // skipped: nothing behind it
    expect(consumer.stats().abandoned).toBe(1);
  });

  it('refuses a late publish after the slot was abandoned, so the producer sends again', () => {
    const clock = ManualClock.create();
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 16, abandonMs: 20, clock });
    const ticket = reserveAndDie(channel, 'reserved');
    expect(channel.tryReceive()).toBeUndefined();
    clock.advance(20);
    expect(channel.tryReceive()).toBeUndefined(); // abandons the slot, nothing else to deliver
    expect(channel.stats().abandoned).toBe(1);
    const publish = (channel as unknown as { publish(t: number, base: number, m: string): boolean }).publish.bind(
      channel,
    );
    expect(publish(ticket, (ticket & 3) * CELL_WORDS, 'late')).toBe(false);
    expect(channel.tryReceive()).toBeUndefined();
    channel.trySend('again');
    expect(channel.tryReceive()).toBe('again');
  });

  it('drops and counts a message whose bytes were overwritten instead of delivering it garbled', () => {
    const channel = SharedChannel.create({ slots: 4, maxMessageBytes: 16 });
    channel.trySend('original');
    channel.trySend('next');
    Buffer.from(channel.handle.data).write('scribble', 0);
    expect(channel.tryReceive()).toBe('next');
    expect(channel.stats().corrupted).toBe(1);
  });

  it('shares one ring between instances attached from a cloned handle', () => {
    const a = SharedChannel.create({ slots: 4, maxMessageBytes: 16 });
    const b = SharedChannel.attach(structuredClone(a.handle));
    a.trySend('from a');
    expect(b.receive(0)).toBe('from a');
    b.close();
    expect(a.closed).toBe(true);
  });

  it('rejects invalid options with InvalidConfigError and a bad handle with INVALID_ARGUMENT', () => {
    expect(() => SharedChannel.create({ slots: 1 })).toThrow(InvalidConfigError);
    expect(() => SharedChannel.create({ maxMessageBytes: 0 })).toThrow(InvalidConfigError);
    expect(() => SharedChannel.create({ slots: 1 << 20, maxMessageBytes: 64 << 20 })).toThrow(InvalidConfigError);
    expect(() => SharedChannel.create({ bogus: 1 } as never)).toThrow(InvalidConfigError);
    const handle = { ...SharedChannel.create().handle, control: new SharedArrayBuffer(384) };
    expect(() => SharedChannel.attach(handle)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
