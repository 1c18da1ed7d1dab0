/**
 * With `delm serve --redis --inspect`: each run this server starts shows its live processes (host,
 * pid, agents: the run's members in Redis) in the inspector's run list while it runs.
 */
import type { RunObserver } from '../inspector/hub.js';
import { watchMembers } from '../redis/member-watch.js';
import type { RunRecord } from './registry.js';
import type { SharedRuns } from './shared-runs.js';

/**
 * Returns what to call with each run started: it looks the run's members up every couple of seconds
 * until the run has finished, and hands them to `inspector` when they change (again at the next look
 * while the inspector does not track the run yet). An observer without `processes` gets nothing.
 */
export function showProcesses(inspector: RunObserver, shared: SharedRuns): (record: RunRecord) => void {
  return (record) => {
    const show = inspector.processes?.bind(inspector);
    if (!show) return;
    const stop = watchMembers(shared.target, record.id, (members) => show(record.id, members));
    void record.done.then(stop);
  };
}
