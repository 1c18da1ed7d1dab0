// Which members of a run count as having left it: gone from the list since the last look, or listed
// while their process is gone from this host. Each is reported once; this process never is.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { watchDepartures } from '../../src/redis/departures.js';
import type { RunMember } from '../../src/redis/members.js';

const member = (id: string, pid: number, host = hostname()): RunMember => ({
  id,
  host,
  pid,
  role: 'worker',
  agents: [Number(id.slice(1))],
  threads: 1,
  verifier: 'none',
  joinedAt: 0,
});
/** The pid of a process of this host that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('watchDepartures', () => {
  it('reports a member once: out of the list for absentMs, or its process gone from this host; never itself', async () => {
    const self = member('m1', process.pid);
    const alive = member('m2', process.pid, 'elsewhere');
    const expiring = member('m3', process.pid, 'elsewhere');
    const deadHere = member('m4', deadPid());
    const deadElsewhere = member('m5', deadPid(), 'elsewhere');
    let listed: RunMember[] | 'unreachable' = [self, alive, expiring, deadHere, deadElsewhere];
    const left: string[] = [];
    const stop = watchDepartures({
      selfId: self.id,
      members: () => (listed === 'unreachable' ? Promise.reject(new Error('down')) : Promise.resolve(listed)),
      everyMs: 10,
      absentMs: 1_000,
      onLeft: async (m) => void left.push(m.id),
    });
    try {
      // At the first look: the dead process of this host, though its key has not expired yet.
      await vi.waitFor(() => expect(left).toEqual(['m4']));
      // A look that fails says nothing about anyone.
      listed = 'unreachable';
      await sleep(50);
      // Out of the list for less than absentMs, then back: still a member.
      listed = [self, alive, deadHere, deadElsewhere];
      await sleep(60);
      listed = [self, alive, expiring, deadHere, deadElsewhere];
      await sleep(60);
      // Redis lost every key (this process's too): nobody left, however long that lasts.
      listed = [alive];
      await sleep(1_300);
      expect(left).toEqual(['m4']);
      // This process's key is back and m3's stays away: m3 left, absentMs later. A pid of another host is never probed.
      listed = [self, alive, deadHere, deadElsewhere];
      await sleep(100);
      expect(left).toEqual(['m4']);
      await vi.waitFor(() => expect(left).toEqual(['m4', 'm3']), { timeout: 5_000 });
      listed = [self, alive, deadHere];
      await vi.waitFor(() => expect(left).toEqual(['m4', 'm3', 'm5']), { timeout: 5_000 });
      await sleep(200);
      expect(left).toEqual(['m4', 'm3', 'm5']);
    } finally {
      stop();
    }
    listed = [];
    await sleep(200);
    expect(left).toEqual(['m4', 'm3', 'm5']);
  });
});
