import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortWhen } from '../../src/internal/abort-when.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('abortWhen', () => {
  it('links many controllers to one signal with one listener, and aborts each with its reason', () => {
    const source = new AbortController();
    const linked = Array.from({ length: 20 }, () => new AbortController());
    const undo = linked.map((c) => abortWhen(source.signal, c));
    expect(listeners(source.signal)).toBe(1);
    undo[3]!();
    source.abort(new Error('shutting down'));
    expect(linked.filter((c) => c.signal.aborted)).toHaveLength(19);
    expect(linked[3]!.signal.aborted).toBe(false);
    expect(linked[0]!.signal.reason).toEqual(new Error('shutting down'));
    expect(listeners(source.signal)).toBe(0);
  });

  it('removes the listener once every link is undone, and links again afterwards', () => {
    const source = new AbortController();
    const a = new AbortController();
    const b = new AbortController();
    const undoA = abortWhen(source.signal, a);
    const undoB = abortWhen(source.signal, b);
    undoA();
    undoA(); // twice: no effect on the other link
    expect(listeners(source.signal)).toBe(1);
    undoB();
    expect(listeners(source.signal)).toBe(0);
    const c = new AbortController();
    abortWhen(source.signal, c);
    source.abort('late');
    expect([a.signal.aborted, b.signal.aborted, c.signal.reason]).toEqual([false, false, 'late']);
  });

  it('aborts at once from a signal that has aborted, and ignores no signal', () => {
    const c = new AbortController();
    abortWhen(AbortSignal.abort('gone'), c);
    expect(c.signal.reason).toBe('gone');
    const d = new AbortController();
    abortWhen(undefined, d)();
    expect(d.signal.aborted).toBe(false);
  });
});
