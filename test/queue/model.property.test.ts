import { describe, it } from 'vitest';
import { asyncQueue } from '../../src/queue/async-queue.js';
import { SharedTaskQueue } from '../../src/queue/shared-queue.js';
import { MODEL_MAX_ATTEMPTS, checkAgainstModel } from './model.js';

describe('SharedTaskQueue against a reference model', () => {
  it('agrees with the reference on every sequence of operations', async () => {
    await checkAgainstModel(
      () => Promise.resolve(asyncQueue(SharedTaskQueue.create({ initialTasks: 4, maxAttempts: MODEL_MAX_ATTEMPTS }))),
      300,
    );
  });
});
