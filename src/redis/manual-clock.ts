/**
 * A run's manual clock in Redis, for tests: while the key `delm:{<runId>}:clock` exists, every
 * function of the delm library reads the time from it instead of the server's TIME, so a test decides
 * when a lease expires however slow the machine is.
 */
import type { RedisClient } from './client.js';

/** The manual clock of a run (tests): moves only when told to; `prefix` is the run's key prefix. */
export class RedisManualClock {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Starts the run's manual clock at 0 if it has none (a queue opened with `clock: 'manual'` does this). */
  async install(): Promise<void> {
    await this.client.set(`${this.prefix}clock`, '0', { condition: 'NX' });
  }

  async now(): Promise<number> {
    return Number(await this.client.get(`${this.prefix}clock`));
  }

  async advance(ms: number): Promise<void> {
    await this.client.incrBy(`${this.prefix}clock`, ms);
  }
}
