import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, isDelmError } from '../../src/errors.js';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarmPool, PoolFullError, type SwarmPool } from '../../src/runtime/swarm-pool.js';

const modelModule = new URL('../runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = (n: number) => Array.from({ length: n }, (_, i) => ({ payload: `task ${i}` }));

describe('createSwarmPool', () => {
  let pool: SwarmPool;
  beforeAll(() => {
    pool = createSwarmPool({
      swarms: 2,
      maxQueued: 1,
      agents: 1,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 25 } },
    });
  });
  afterAll(() => pool.close());

  it('runs up to `swarms` runs at the same time, queues one more, and refuses the next with POOL_FULL', async () => {
    // Warm both swarms so timing below measures runs, not thread start-up.
    await Promise.all([
      pool.run({ prompt: 'w', subTasks: subTasks(1) }),
      pool.run({ prompt: 'w', subTasks: subTasks(1) }),
    ]);
    const spans: Array<{ id: string; start: number; end: number }> = [];
    const timed = (n: number) => {
      const run = pool.run(
        { prompt: 'x', subTasks: subTasks(n) },
        { onEvent: (e) => e.type === 'run.started' && spans.push({ id: run.id, start: Date.now(), end: 0 }) },
      );
      void run.result.then(() => (spans.find((s) => s.id === run.id)!.end = Date.now()));
      return run;
    };
    const a = timed(6);
    const b = timed(6);
    const c = timed(2);
    expect(pool.stats()).toMatchObject({ swarms: 2, running: 2, queued: 1 });
    expect(() => pool.run('one too many')).toThrow(PoolFullError);
    try {
      pool.run('one too many');
    } catch (error) {
      expect(isDelmError(error, 'POOL_FULL')).toBe(true);
    }
    const results = await Promise.all([a, b, c]);
    expect(results.map((r) => r.answer)).toEqual(['6 findings', '6 findings', '2 findings']);
    // The ids are the pool's, everywhere.
    expect(results.map((r) => r.runId)).toEqual([a.id, b.id, c.id]);
    const [sa, sb, sc] = [a, b, c].map((r) => spans.find((s) => s.id === r.id)!);
    expect(sb!.start).toBeLessThan(sa!.end); // a and b overlapped
    expect(sc!.start).toBeGreaterThanOrEqual(Math.min(sa!.end, sb!.end)); // c waited for a free swarm
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('streams each run’s events with the pool’s run id, ending at run.finished', async () => {
    const run = pool.run({ prompt: 'x', subTasks: subTasks(3) });
    const events: SwarmEvent[] = [];
    for await (const e of run.events) events.push(e);
    expect(events[0]).toMatchObject({ type: 'run.started', runId: run.id });
    expect(events.at(-1)).toMatchObject({ type: 'run.finished', stopReason: 'answered' });
    expect(events.filter((e) => e.type === 'commit')).toHaveLength(4);
  });

  it('resolves a waiting run that is aborted as aborted, without running it', async () => {
    const a = pool.run({ prompt: 'x', subTasks: subTasks(4) });
    const b = pool.run({ prompt: 'x', subTasks: subTasks(4) });
    const ac = new AbortController();
    const events: SwarmEvent[] = [];
    const waiting = pool.run(
      { prompt: 'x', subTasks: subTasks(4) },
      { signal: ac.signal, onEvent: (e) => events.push(e) },
    );
    expect(pool.stats().queued).toBe(1);
    ac.abort();
    const result = await waiting;
    expect(pool.stats().queued).toBe(0);
    expect(result).toMatchObject({
      runId: waiting.id,
      stopReason: 'aborted',
      answer: undefined,
      usage: { modelCalls: 0 },
    });
    expect(events.map((e) => e.type)).toEqual(['run.finished']);
    await Promise.all([a, b]);
  });

  it('aborts a running run through run.abort()', async () => {
    const run = pool.run(
      { prompt: 'x', subTasks: subTasks(40) },
      { onEvent: (e) => e.type === 'commit' && run.abort() },
    );
    const result = await run;
    expect(result.stopReason).toBe('aborted');
    expect(result.tasks.done).toBeLessThan(40);
  });

  it('rejects invalid options, listing pool and swarm problems together', () => {
    expect(() => createSwarmPool({ swarms: 0, agents: 0 })).toThrow(InvalidConfigError);
    // Only undefined means no options; null was a plain TypeError.
    expect(() => createSwarmPool(null as never)).toThrow(InvalidConfigError);
    try {
      createSwarmPool({ swarms: 0, maxQueued: -1, agents: 0 });
    } catch (error) {
      const issues = (error as InvalidConfigError).issues.join('\n');
      expect(issues).toMatch(/^swarms:/m);
      expect(issues).toMatch(/^maxQueued:/m);
      expect(issues).toMatch(/^agents:/m);
    }
  });

  it('refuses a run of the wrong shape when it is asked for, not when a swarm takes it', () => {
    expect(() => pool.run({ prompt: 'x', subTasks: ['a'] } as never)).toThrow(/subTasks\.0: Invalid input/);
    expect(() => pool.run('x', { onEvent: 1 } as never)).toThrow(/onEvent: expected a function/);
  });
});

describe('SwarmPool.close', () => {
  it('aborts running and waiting runs, then refuses new ones; nothing is left behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const pool = createSwarmPool({
      swarms: 1,
      maxQueued: 2,
      agents: 1,
      protocol: 'basic',
      model: { module: modelModule, options: { delayMs: 50 } },
      stopGraceMs: 500,
    });
    let started!: () => void;
    const running = pool.run(
      { prompt: 'x', subTasks: subTasks(50) },
      { onEvent: (e) => e.type === 'commit' && started() },
    );
    const waiting = pool.run({ prompt: 'y', subTasks: subTasks(2) });
    await new Promise<void>((resolve) => (started = resolve));
    await pool.close();
    const [r1, r2] = await Promise.all([running, waiting]);
    expect(r1.stopReason).toBe('aborted');
    expect(r2.stopReason).toBe('aborted');
    expect(r2.usage.modelCalls).toBe(0);
    expect(() => pool.run('late')).toThrow(/closed/);
    expect(pool.stats()).toMatchObject({ running: 0, queued: 0, closed: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length).toBeLessThanOrEqual(before);
  });
});
