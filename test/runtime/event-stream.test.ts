// A run's event stream: values reach the one consumer from the moment it starts iterating, in order;
// before that nothing is kept, so a run nobody iterates holds none of its events.
import { describe, expect, it } from 'vitest';
import { EventStream } from '../../src/runtime/event-stream.js';

describe('EventStream', () => {
  it('keeps nothing before iteration starts, then delivers every value in order until it ends', async () => {
    const stream = new EventStream<number>();
    for (let i = 0; i < 100_000; i++) stream.push(-i); // nobody iterates yet: none of these is kept
    const iterator = stream[Symbol.asyncIterator]();
    stream.push(1);
    stream.push(2);
    const seen = [(await iterator.next()).value, (await iterator.next()).value];
    const third = iterator.next(); // waits for a value
    stream.push(3);
    seen.push((await third).value);
    stream.push(4);
    stream.end();
    stream.push(5); // after the end: dropped
    seen.push((await iterator.next()).value);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('can be iterated once', () => {
    const stream = new EventStream<number>();
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/iterated once/);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
