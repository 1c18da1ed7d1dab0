import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunStore, type EventBatch } from '../../../../src/inspector/page/client/run-store.js';
import { RUN, runOf, summary } from './events.js';

/** A store on a wall clock the test moves. */
function store() {
  const wall = { now: 1000 };
  return { wall, store: new RunStore(() => wall.now) };
}
const batch = (from: number, to: number, clock = RUN[to - 1]?.at ?? 0): EventBatch => ({
  kind: 'events',
  runId: 'r1',
  from,
  events: RUN.slice(from, to),
  clock,
});
const whole = runOf(RUN);

describe('the page’s run store', () => {
  it('applies batches that arrive while the run loads once it has loaded, skipping what the load already held', () => {
    const { store: s } = store();
    expect(s.beginLoad('r1')).toBe(true);
    expect(s.beginLoad('r1')).toBe(false);
    expect(s.receive(batch(8, 12))).toEqual({ kind: 'buffered' });
    expect(s.receive(batch(12, RUN.length))).toEqual({ kind: 'buffered' });
    s.loadArrived('r1', { run: summary(), events: RUN.slice(0, 10), clock: 250 });
    expect(s.get('r1')!.model).toEqual(whole);
  });

  it('drops a run when a batch starts past what it has (events were missed), to be loaded again', () => {
    const { store: s } = store();
    s.beginLoad('r1');
    s.loadArrived('r1', { run: summary(), events: RUN.slice(0, 5), clock: 10 });
    expect(s.receive(batch(6, 9))).toEqual({ kind: 'gap' });
    expect(s.get('r1')).toBeUndefined();
    expect(s.has('r1')).toBe(false);
  });

  it('ignores batches of runs it has not loaded, and forgets batches of a load that failed', () => {
    const { store: s } = store();
    expect(s.receive({ ...batch(0, 3), runId: 'other' })).toEqual({ kind: 'ignored' });
    s.beginLoad('r1');
    s.receive(batch(0, 3));
    s.loadFailed('r1');
    expect(s.has('r1')).toBe(false);
    expect(s.receive(batch(3, 5))).toEqual({ kind: 'ignored' });
  });

  it('runs the clock on from the last reported run time at the run’s speed, never backwards, and stops it at the finish', () => {
    const { store: s, wall } = store();
    s.beginLoad('r1');
    s.loadArrived('r1', { run: summary({ speed: 2 }), events: RUN.slice(0, 3), clock: 100 });
    wall.now += 50;
    expect(s.timeOf(s.get('r1')!)).toBe(200);
    // A batch whose clock lags behind the extrapolated time does not pull it back.
    s.receive(batch(3, 5, 150));
    expect(s.timeOf(s.get('r1')!)).toBe(200);
    s.receive(batch(5, 8, 260));
    wall.now += 10;
    expect(s.timeOf(s.get('r1')!)).toBe(280);
    s.receive(batch(8, RUN.length, 500));
    wall.now += 10_000;
    expect(s.timeOf(s.get('r1')!)).toBe(500);
  });

  it('keeps a loaded run’s summary current with the run list', () => {
    const { store: s } = store();
    s.beginLoad('r1');
    s.loadArrived('r1', { run: summary(), events: [], clock: 0 });
    s.setSummaries([summary({ status: 'finished', stopReason: 'answered' }), summary({ id: 'r2' })]);
    expect(s.get('r1')!.summary.status).toBe('finished');
    expect(s.newest()?.id).toBe('r2');
  });

  it('ends with the same model however the stream is cut into batches, overlapping or not, and whenever the load lands', () => {
    const cuts = fc
      .uniqueArray(fc.integer({ min: 1, max: RUN.length - 1 }), { maxLength: 8 })
      .map((xs) => [0, ...xs.sort((a, b) => a - b), RUN.length]);
    fc.assert(
      fc.property(cuts, fc.nat(), fc.nat({ max: 3 }), (bounds, loadAt, overlap) => {
        const { store: s } = store();
        const batches = bounds.slice(1).map((to, i) => batch(Math.max(0, bounds[i]! - overlap), to));
        const landing = loadAt % (batches.length + 1);
        s.beginLoad('r1');
        // The load holds what the server had before the batches still to come were sent.
        batches.slice(landing).forEach((b) => s.receive(b));
        const loadedUpTo = landing === 0 ? 0 : bounds[landing]!;
        s.loadArrived('r1', { run: summary(), events: RUN.slice(0, loadedUpTo), clock: 0 });
        const model = s.get('r1')!.model;
        expect(model).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
