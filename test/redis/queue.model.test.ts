// The Redis queue against the same reference model as the shared-memory queue (test/queue/model.ts).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createClient } from 'redis';
import { RedisTaskQueue } from '../../src/redis/queue.js';
import type { RedisClient } from '../../src/redis/client.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';
import { MODEL_MAX_ATTEMPTS, checkAgainstModel } from '../queue/model.js';

const server = privateRedisServer({ beforeAll, afterAll });

describe('RedisTaskQueue against a reference model', () => {
  it('agrees with the reference on every sequence of operations', async () => {
    const client: RedisClient = createClient({ url: server().url });
    await client.connect();
    try {
      // Each sequence on a run of its own, over one connection.
      await checkAgainstModel(
        () => RedisTaskQueue.open({ client }, { runId: uniqueRunId('model'), maxAttempts: MODEL_MAX_ATTEMPTS }),
        150,
      );
    } finally {
      await client.close();
    }
  });
});
