import { describe, expect, it } from 'vitest';
import { SharedChannel } from '../../src/channel/shared-channel.js';
import { SharedLedger } from '../../src/ledger/shared-ledger.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';

describe('reusing shared memory across runs', () => {
  it('a reset queue is empty, numbers tasks from 0 again and works as new', () => {
    const queue = SharedTaskQueue.create({ leaseMs: 1_000 });
    for (let i = 0; i < 40; i++) queue.enqueue(`t${i}`);
    const lease = queue.tryClaim(1)!;
    queue.complete(lease, 'ok');
    queue.close();
    queue.reset();
    expect(queue.stats()).toEqual({ total: 0, pending: 0, claimed: 0, done: 0, failed: 0, open: 0 });
    expect(queue.closed).toBe(false);
    expect(queue.enqueue('again')).toBe(0);
    const other = SharedTaskQueue.attach(queue.handle);
    const claimed = other.tryClaim(2)!;
    expect(claimed).toMatchObject({ taskId: 0, payload: 'again', attempt: 1 });
    other.complete(claimed);
    expect(queue.isDrained()).toBe(true);
  });

  it('a reset ledger is empty, back in its creator’s hands, and its sequence keeps counting', () => {
    const ledger = SharedLedger.create();
    ledger.append({ kind: 'raw', text: 'task' });
    ledger.releaseWriter();
    const verifier = SharedLedger.attachWriter(ledger.handle);
    verifier.append({ kind: 'gist', text: 'found' });
    const seq = ledger.sequence;
    ledger.reset();
    expect(ledger.count).toBe(0);
    expect(ledger.sequence).toBeGreaterThan(seq);
    expect(() => verifier.append({ kind: 'gist', text: 'stale writer' })).toThrow(/only the single writer/);
    expect(ledger.append({ kind: 'raw', text: 'next task' })).toMatchObject({ id: 0, text: 'next task' });
    expect(
      SharedLedger.attach(ledger.handle)
        .slice()
        .map((e) => e.text),
    ).toEqual(['next task']);
  });

  it('a reset channel is empty and open, and delivers in order again', () => {
    const channel = SharedChannel.create({ slots: 8 });
    for (let i = 0; i < 5; i++) channel.send(`m${i}`);
    channel.tryReceive();
    channel.close();
    channel.reset();
    expect(channel.closed).toBe(false);
    expect(channel.size).toBe(0);
    const producer = SharedChannel.attach(channel.handle);
    for (let i = 0; i < 20; i++) {
      producer.send(`n${i}`);
      expect(channel.tryReceive()).toBe(`n${i}`);
    }
    expect(channel.tryReceive()).toBeUndefined();
  });
});
