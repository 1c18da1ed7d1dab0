import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AgentLoopResult } from '../../bench/agent-loop.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** One agent-loop probe in a child process, as `npm run bench -- agent-loop` runs it. */
async function probe(...args: string[]): Promise<AgentLoopResult> {
  const { stdout } = await run(process.execPath, [tsx, 'bench/agent-loop.ts', '300', '--json', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as AgentLoopResult;
}

// The probe runs the real agent host against the real queue and channel: it must see the agent's end
// however the host sends it (it once waited forever for an end that had moved into the event batches).
describe('agent-loop bench', () => {
  it.each([[[]], [['--turns']]])('runs a real agent through its sub-tasks and ends (%j)', async (args) => {
    const result = await probe(...args);
    expect(result.subTasks).toBe(300);
    expect(result.first8).toHaveLength(8);
    expect(result.warm.count).toBe(200);
    // The tail's shares are fractions, the time share at least the gap share (its gaps are the longest).
    expect(result.tail.gaps).toBeGreaterThanOrEqual(0);
    expect(result.tail.gaps).toBeLessThan(1);
    expect(result.tail.time).toBeGreaterThanOrEqual(result.tail.gaps);
    expect(result.tail.time).toBeLessThanOrEqual(1);
  });
});
