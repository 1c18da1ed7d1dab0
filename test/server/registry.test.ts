import { describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { EventStream } from '../../src/runtime/event-stream.js';
import type { RunResult } from '../../src/runtime/run.js';
import type { SwarmRun } from '../../src/runtime/swarm.js';
import { RunRegistry } from '../../src/server/registry.js';

/** A run driven by hand: push events, then finish. */
function fakeRun(id: string) {
  const events = new EventStream<SwarmEvent>();
  let resolve!: (r: RunResult) => void;
  const result = new Promise<RunResult>((r) => (resolve = r));
  const run: SwarmRun = { id, events, result, abort: () => {}, then: (a, b) => result.then(a, b) };
  return {
    run,
    push: (type: 'commit' | 'proposal') =>
      events.push(
        type === 'commit'
          ? { type, at: 0, entryId: 1, kind: 'gist', authorId: 1, taskId: 0 }
          : { type, at: 0, agentId: 1, taskId: 0 },
      ),
    finish: async () => {
      events.push({ type: 'run.finished', at: 1, stopReason: 'answered' });
      events.end();
      resolve({ runId: id, stopReason: 'answered' } as RunResult);
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

describe('RunRegistry', () => {
  it('keeps at most maxRuns finished runs, evicting the oldest finished first and never an unfinished one', async () => {
    const registry = new RunRegistry({ maxRuns: 2, ttlMs: 60_000, maxEventsPerRun: 100 });
    const runs = ['a', 'b', 'c', 'd'].map(fakeRun);
    for (const r of runs) registry.track('run', r.run);
    await runs[1]!.finish();
    await runs[0]!.finish();
    await runs[2]!.finish();
    // d is unfinished and stays; of the finished, b finished first, then a: both go before c.
    expect(registry.get('d')?.status).toBe('queued');
    expect(registry.get('b')).toBeUndefined();
    expect(registry.get('a')).toBeUndefined();
    expect(registry.get('c')?.status).toBe('finished');
    expect(registry.counts()).toEqual({ retained: 2, unfinished: 1 });
  });

  it('drops finished runs past their time-to-live', async () => {
    const registry = new RunRegistry({ maxRuns: 10, ttlMs: 1_000, maxEventsPerRun: 100 });
    const r = fakeRun('a');
    const record = registry.track('run', r.run);
    await r.finish();
    registry.sweep(record.finishedAt! + 999);
    expect(registry.counts().retained).toBe(1);
    registry.sweep(record.finishedAt! + 1_001);
    expect(registry.counts().retained).toBe(0);
  });

  it('caps the events kept per run but always keeps run.finished, and tells live listeners the sequence', async () => {
    const registry = new RunRegistry({ maxEventsPerRun: 3, maxRuns: 10, ttlMs: 60_000 });
    const r = fakeRun('a');
    const record = registry.track('run', r.run);
    const seen: Array<[string | undefined, number]> = [];
    record.listeners.add((e, seq) => seen.push([e?.type, seq]));
    for (let i = 0; i < 5; i++) r.push('proposal');
    await r.finish();
    expect(record.events.map((e) => e.type)).toEqual(['proposal', 'proposal', 'proposal', 'run.finished']);
    expect(record.eventsDropped).toBe(2);
    expect(seen.at(-2)).toEqual(['run.finished', 5]);
    expect(seen.at(-1)).toEqual([undefined, 6]);
    expect(record.run).toBeUndefined(); // the handle is dropped once finished
  });
});
