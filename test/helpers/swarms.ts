/** Helpers for tests that run real swarms. */
import { afterEach } from 'vitest';
import type { Swarm } from '../../src/runtime/swarm.js';

/** A list that the calling test file fills with swarms; each is closed after every test. */
export function closedAfterEach(): Swarm[] {
  const swarms: Swarm[] = [];
  afterEach(async () => {
    await Promise.all(swarms.splice(0).map((s) => s.close()));
  });
  return swarms;
}
