/**
 * With `delm serve --redis`, serve processes share one pool of work: a server whose swarms are idle
 * lends them to the runs other serve processes started (`SwarmPool.join`: its agents replay the run's
 * ledger and claim its sub-tasks; the run's verifier and answer stay with the process that started
 * it). A lent swarm comes back when the run ends, or at once when a run of this server needs it.
 */
import type { SwarmPool } from '../runtime/swarm-pool.js';
import type { SwarmRun } from '../runtime/swarm.js';
import type { SharedRuns } from './shared-runs.js';

/** How often an idle server looks for other servers' runs to help with. */
export const LEND_EVERY_MS = 500;

/** A running lender: {@link stop} ends its looking (the pool's close takes the lent swarms back). */
export interface Lender {
  stop(): Promise<void>;
}

/**
 * Looks every {@link LEND_EVERY_MS} for open runs that `isMine` says another process started, and
 * joins each with an idle swarm of `pool` while one is free.
 */
export function lendIdleSwarms(
  pool: SwarmPool,
  shared: SharedRuns,
  isMine: (runId: string) => boolean,
  log: (line: string) => void,
): Lender {
  const helping = new Map<string, SwarmRun>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> = Promise.resolve();

  async function look(): Promise<void> {
    const { swarms, running, queued, lent } = pool.stats();
    if (queued > 0 || running + lent >= swarms) return;
    for (const runId of await shared.openRuns()) {
      if (stopped) return;
      if (helping.has(runId) || isMine(runId) || !(await shared.isGoing(runId))) continue;
      const run = pool.join(runId);
      if (!run) return; // no swarm left idle
      helping.set(runId, run);
      const done = () => helping.delete(runId);
      run.result.then(done, (error: unknown) => {
        done();
        log(`delm serve: helping run ${runId} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      looking = look()
        .catch((error: unknown) =>
          log(
            `delm serve: looking for runs to help with failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        )
        .finally(schedule);
    }, LEND_EVERY_MS);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await looking;
    },
  };
}
