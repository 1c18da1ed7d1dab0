import { describe, expect, it } from 'vitest';
import { compiledModuleUrl } from '../src/internal/compiled-sources.js';
import { ToolError } from '../src/tools/errors.js';
import { SharedBudget } from '../src/budget/shared-budget.js';
import { SharedRateLimiter } from '../src/budget/rate-limiter.js';
import { SharedChannel } from '../src/channel/shared-channel.js';
import {
  DelmError,
  InvalidConfigError,
  LedgerFullError,
  MissingApiKeyError,
  ProviderError,
  QueueFullError,
  WorkerCrashedError,
  isDelmError,
} from '../src/errors.js';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { SharedTaskQueue } from '../src/queue/shared-queue.js';

/**
 * A second copy of delm's error classes in this thread: the worker mirror's compiled modules, as a
 * user's module importing delm loads them beside a worker's bundle.
 */
async function otherCopy(): Promise<typeof import('../src/tools/errors.js') & typeof import('../src/errors.js')> {
  const url = (path: string) => compiledModuleUrl(new URL(path, import.meta.url).href)!;
  return { ...(await import(url('../src/errors.ts'))), ...(await import(url('../src/tools/errors.ts'))) };
}

describe('errors', () => {
  it('are told apart by class across two copies of delm in one thread, as within one', async () => {
    const other = await otherCopy();
    expect(other.DelmError).not.toBe(DelmError);
    const theirs = new other.ToolError('TOOL_FAILED', 'fetch', 'try again later', { retryable: true });
    expect(theirs).toBeInstanceOf(ToolError);
    expect(theirs).toBeInstanceOf(DelmError);
    expect(theirs).not.toBeInstanceOf(ProviderError);
    expect(new other.ProviderError('down', 'openai', 503, true)).toBeInstanceOf(ProviderError);
    expect(new ToolError('TOOL_FAILED', 'fetch', 'x')).toBeInstanceOf(other.ToolError);
    expect(new LedgerFullError(2, 1, 'bytes')).not.toBeInstanceOf(other.ToolError);
    // Only delm's errors: a lookalike with the same name and code is not one.
    const lookalike = Object.assign(new Error('x'), { name: 'ToolError', code: 'TOOL_FAILED' });
    expect(lookalike).not.toBeInstanceOf(ToolError);
    expect(new Error('x')).not.toBeInstanceOf(DelmError);
  });

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

  it('list at most ten problems in the message, and every one in issues', () => {
    const issues = Array.from({ length: 1000 }, (_, i) => `subTasks.${i}: expected object, received string`);
    const e = new InvalidConfigError('invalid run task', issues);
    expect(e.message.split('\n')).toHaveLength(12); // the title, ten problems, and how many more
    expect(e.message).toContain('subTasks.9: expected object');
    expect(e.message).not.toContain('subTasks.10:');
    expect(e.message).toMatch(/and 990 more \(the error's issues list them all\)$/);
    expect(e.issues).toEqual(issues);
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
