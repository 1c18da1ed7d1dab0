import { describe, expect, it } from 'vitest';
import { HeldLeases } from '../../src/runtime/held-leases.js';

describe('HeldLeases', () => {
  it('keeps what each agent holds from its claim, completion and failure events', () => {
    const held = new HeldLeases();
    held.observe({ type: 'task.claimed', agentId: 1, taskId: 4, attempt: 1, generation: 7 });
    held.observe({ type: 'task.claimed', agentId: 1, taskId: 5, attempt: 2, generation: 9 });
    held.observe({ type: 'task.claimed', agentId: 2, taskId: 6, attempt: 1, generation: 3 });
    held.observe({ type: 'task.completed', agentId: 1, taskId: 4 });
    held.observe({ type: 'task.failed', agentId: 2, taskId: 6, reason: 'x' });
    held.observe({ type: 'task.claimed', agentId: 3, taskId: 8, attempt: 1 });
    expect(held.take(1)).toEqual([5]);
    expect(held.take(1)).toEqual([]);
    expect(held.take(2)).toEqual([]);
    expect(held.take(3)).toEqual([8]);
  });
});
