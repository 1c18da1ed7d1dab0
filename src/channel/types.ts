/**
 * A multi-producer, single-consumer message channel: agents send proposals, the verifier receives
 * them. Messages are strings (JSON by convention). `shared-channel.ts` implements it on a
 * SharedArrayBuffer ring; nothing above this interface may assume shared memory.
 */
export interface MessageChannelLike {
  /** Enqueue a message; waits up to `timeoutMs` for room, then throws CHANNEL_FULL. Workers only when it has to wait. */
  send(message: string, timeoutMs?: number): void;
  /** Non-blocking send: false when the ring is full. Throws MESSAGE_TOO_LARGE for an oversized message. */
  trySend(message: string): boolean;
  /** Take the next message, or undefined when none arrives within `timeoutMs` (default: no limit) or the channel is closed and drained (blocking; workers only). */
  receive(timeoutMs?: number): string | undefined;
  /** Take the next message without blocking the thread; undefined on timeout, close (once drained) or abort. */
  receiveAsync(timeoutMs?: number, signal?: AbortSignal): Promise<string | undefined>;
  /** Messages sent but not yet received (approximate while producers are active). */
  readonly size: number;
  /** Wake every waiter; send throws CLOSED from now on; receive still drains messages already sent, then returns undefined. */
  close(): void;
  readonly closed: boolean;
}
