/**
 * The verifier comes first: agents' worker threads run `agentNice` notches below the process (and the
 * verifier's thread, a pool of its own that no agent ever runs on), so a proposal that wakes the single
 * writer is decided at once even when agents keep every core busy. Real worker threads; the nice
 * values are read from the kernel (Linux).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { createSwarm } from '../../src/runtime/swarm.js';
import { closedAfterEach } from '../helpers/swarms.js';

const modelModule = new URL('./fixtures/scripted-swarm-model.ts', import.meta.url).href;

vi.setConfig({ testTimeout: 120_000 });

const open = closedAfterEach();

/** Nice value of every thread of this process. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      // Field 19 of stat; the command name (field 2) may hold spaces, so count from its closing bracket.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return [Number(fields[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

const task = { prompt: 'p', subTasks: Array.from({ length: 6 }, (_, i) => ({ payload: `part ${i}` })) };

describe.runIf(existsSync('/proc/thread-self'))('thread priorities of a swarm', () => {
  it('runs every agent thread agentNice below the process, run after run, and nothing else', async () => {
    const base = getPriority(process.pid);
    const swarm = createSwarm({
      agents: 3,
      agentNice: 4,
      protocol: 'basic',
      model: { module: modelModule, options: {} },
    });
    open.push(swarm);
    const lowered = (nices: number[]): number => nices.filter((n) => n === base + 4).length;
    for (let run = 0; run < 3; run++) {
      const result = await swarm.run(task);
      expect(result.stopReason, result.error).toBe('answered');
      // A thread lowers itself when its first agent task reaches it; on a loaded machine the run may
      // answer before a thread has started at all (that agent is reported not started).
      const started = result.agents.filter((a) => a.status !== 'not-started').length;
      const nices = threadNices();
      expect(lowered(nices)).toBeGreaterThanOrEqual(started);
      expect(lowered(nices)).toBeLessThanOrEqual(3);
      expect(nices.filter((n) => n !== base && n !== base + 4)).toEqual([]);
    }
    // Late starters find the run over, but their threads are lowered all the same and stay in the pool.
    await vi.waitFor(() => expect(lowered(threadNices())).toBe(3), { timeout: 30_000, interval: 50 });
  });

  it('leaves every thread at the process priority with agentNice 0', async () => {
    const base = getPriority(process.pid);
    const swarm = createSwarm({
      agents: 2,
      agentNice: 0,
      protocol: 'basic',
      model: { module: modelModule, options: {} },
    });
    open.push(swarm);
    const result = await swarm.run(task);
    expect(result.stopReason, result.error).toBe('answered');
    expect(threadNices().filter((n) => n !== base)).toEqual([]);
  });
});
