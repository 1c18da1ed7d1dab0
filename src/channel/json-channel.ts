/**
 * A typed view of a string channel: values go out as JSON and come back parsed by a zod schema.
 * A message that is not JSON or fails the schema is skipped and counted, never thrown at the consumer.
 */
import type { z } from 'zod';
import { describeIssues } from '../internal/parse.js';
import type { MessageChannelLike } from './types.js';

/** Options of a {@link JsonChannel}. */
export interface JsonChannelOptions {
  /** Called for each skipped message with its raw text (truncated to 200 characters) and why. */
  onMalformed?: (raw: string, reason: string) => void;
}

/** Typed JSON messages over any {@link MessageChannelLike}. */
export class JsonChannel<T> {
  #malformed = 0;

  constructor(
    readonly channel: MessageChannelLike,
    readonly schema: z.ZodType<T>,
    private readonly options: JsonChannelOptions = {},
  ) {}

  /** Messages this instance skipped because they were not valid JSON of the schema. */
  get malformed(): number {
    return this.#malformed;
  }

  get size(): number {
    return this.channel.size;
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  /** Sends `value` as JSON (see {@link MessageChannelLike.send}). */
  send(value: T, timeoutMs?: number): void {
    this.channel.send(JSON.stringify(value), timeoutMs);
  }

  /** Sends `value` as JSON if there is room now. */
  trySend(value: T): boolean {
    return this.channel.trySend(JSON.stringify(value));
  }

  /** The next valid message, skipping malformed ones, within one overall timeout. Workers only. */
  receive(timeoutMs = Number.POSITIVE_INFINITY): T | undefined {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const raw = this.channel.receive(Math.max(0, until - Date.now()));
      if (raw === undefined) return undefined;
      const value = this.decode(raw);
      if (value.ok) return value.value;
    }
  }

  /** The next valid message without blocking the thread, skipping malformed ones. */
  async receiveAsync(timeoutMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<T | undefined> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const raw = await this.channel.receiveAsync(Math.max(0, until - Date.now()), signal);
      if (raw === undefined) return undefined;
      const value = this.decode(raw);
      if (value.ok) return value.value;
    }
  }

  close(): void {
    this.channel.close();
  }

  private decode(raw: string): { ok: true; value: T } | { ok: false } {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      return this.reject(raw, `not JSON: ${(error as Error).message}`);
    }
    const parsed = this.schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    return this.reject(raw, describeIssues(parsed.error).join('; '));
  }

  private reject(raw: string, reason: string): { ok: false } {
    this.#malformed++;
    this.options.onMalformed?.(raw.slice(0, 200), reason);
    return { ok: false };
  }
}
