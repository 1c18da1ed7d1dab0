import { DelmError } from '../errors.js';

/**
 * A single-consumer async iterable that a producer pushes into and eventually ends. Values are
 * buffered for the consumer only once it has started iterating: a stream nobody iterates keeps
 * nothing (a run's tens of thousands of events are not held for a reader that never comes).
 */
export class EventStream<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private ended = false;
  private iterated = false;

  /** Appends a value (dropped before iteration starts and after `end`). */
  push(value: T): void {
    if (this.ended || !this.iterated) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  }

  /** Ends the stream; buffered values are still delivered. */
  end(): void {
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated)
      throw new DelmError(
        'INVALID_ARGUMENT',
        'a run’s events can be iterated once; use the `onEvent` option for more listeners',
      );
    this.iterated = true;
    return {
      next: () => {
        const value = this.buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.ended = true;
        this.buffer.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
