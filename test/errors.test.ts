import { describe, expect, it } from 'vitest';
import { SharedBudget } from '../src/budget/shared-budget.js';
import { SharedRateLimiter } from '../src/budget/rate-limiter.js';
import { SharedChannel } from '../src/channel/shared-channel.js';
import {
  DelmError,
  InvalidConfigError,
  LedgerFullError,
  MissingApiKeyError,
  QueueFullError,
  WorkerCrashedError,
  isDelmError,
} from '../src/errors.js';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { SharedTaskQueue } from '../src/queue/shared-queue.js';

describe('errors', () => {
  it('carry a stable code and their class name', () => {
    const e = new LedgerFullError(2048, 1024, 'bytes');
    expect(e).toBeInstanceOf(DelmError);
    expect(e.code).toBe('LEDGER_FULL');
    expect(e.name).toBe('LedgerFullError');
    expect(e.message).toMatch(/maxBytes/);
  });

  it('list every config issue in the message', () => {
    const e = new InvalidConfigError('invalid swarm options', ['agents: must be >= 1', 'model: required']);
    expect(e.message).toContain('agents: must be >= 1');
    expect(e.issues).toHaveLength(2);
  });

  it('name the environment variable for a missing key', () => {
    expect(new MissingApiKeyError('openai', 'OPENAI_API_KEY').message).toContain('OPENAI_API_KEY');
  });

  it('survive a structured clone as a recognisable plain object', () => {
    const cloned = structuredClone(new LedgerFullError(1, 0, 'entries').toJSON());
    expect(isDelmError(cloned, 'LEDGER_FULL')).toBe(true);
    expect(isDelmError(cloned, 'QUEUE_FULL')).toBe(false);
    expect(isDelmError(new Error('x'))).toBe(false);
  });
});

/** `handle` with every shared buffer replaced by a zeroed one of the same size: right shape, no magic. */
function zeroed<T extends object>(handle: T): T {
  const blank = (v: unknown): unknown =>
    v instanceof SharedArrayBuffer ? new SharedArrayBuffer(v.byteLength) : Array.isArray(v) ? v.map(blank) : v;
  return Object.fromEntries(Object.entries(handle).map(([k, v]) => [k, blank(v)])) as T;
}

describe('shared-memory handles', () => {
  it('refuse a handle without their magic with the same code in the ledger, queue, channel, budget and rate limiter', () => {
    const attempts: Array<() => unknown> = [
      () => SharedLedger.attach(zeroed(SharedLedger.create().handle)),
      () => SharedTaskQueue.attach(zeroed(SharedTaskQueue.create().handle)),
      () => SharedChannel.attach(zeroed(SharedChannel.create().handle)),
      () => SharedBudget.attach(zeroed(SharedBudget.create().handle)),
      () => SharedRateLimiter.attach(zeroed(SharedRateLimiter.create().handle)),
    ];
    const codes = attempts.map((attach) => {
      try {
        attach();
        return 'attached';
      } catch (error) {
        return isDelmError(error) ? error.code : String(error);
      }
    });
    expect(codes).toEqual(Array(attempts.length).fill('INVALID_ARGUMENT'));
  });
});

describe('error messages', () => {
  it('name the queue option that exists when the queue arena is full', () => {
    expect(new QueueFullError(2048, 1024, 'bytes').message).toMatch(/raise queue\.maxArenaBytes$/);
    expect(new QueueFullError(11, 10, 'tasks').message).toMatch(/raise queue\.maxTasks$/);
  });

  it('say which agent a crashed worker ran, keeping the cause', () => {
    const cause = new Error('worker exited with code 1');
    const e = new WorkerCrashedError(3, cause);
    expect(e.code).toBe('WORKER_CRASHED');
    expect(e.message).toBe('the worker of agent 3 crashed: worker exited with code 1');
    expect(e.cause).toBe(cause);
  });
});
