/**
 * Processes that leave a run on Redis while their agents hold tasks. A process that dies (SIGKILL,
 * a lost machine) leaves its agents' leases to run out, 30 s by default, before anyone may take
 * their tasks. Every process of the run watches the run's members instead: one whose member key
 * expired (it stopped refreshing it) and stayed away for another member TTL, or whose process is
 * gone from this host (at once), has left, and the leases of its agents end then, as their
 * deadlines would have ended them: about two member TTLs after the death (20 s by default), or
 * within a second on one machine. Agent ids are unique across a run's processes, so the processes
 * that see the same departure take each task back once between them.
 */
import { hostname } from 'node:os';
import { processGone } from '../internal/process-gone.js';
import type { RunMember } from './members.js';

/** Whether `member` ran on this host and its process is gone (its key may not have expired yet). */
export function deadHere(member: RunMember): boolean {
  return member.host === hostname() && processGone(member.pid);
}

/** What {@link watchDepartures} needs from its process's membership. */
export interface DepartureWatch {
  /** This process's member id: never reported as left. */
  selfId: string;
  /** The run's live members. */
  members(): Promise<RunMember[]>;
  /** How often the members are looked up, ms. */
  everyMs: number;
  /**
   * How long a member must stay out of the list before it counts as left, ms: a member key that
   * expired while Redis was away from everyone (restarted after the member TTL) is written again by
   * its live process within a third of the TTL of it reconnecting.
   */
  absentMs: number;
  /** A member left: called once per member, one call at a time. */
  onLeft(member: RunMember): Promise<void>;
}

/**
 * Looks up the run's members now and every `everyMs`, and reports each member that left: it was live
 * at a look and has been out of the list for `absentMs` since, at looks where this process's own key
 * was in it (a look that saw this process missing saw Redis lose keys, not members leave), or its
 * process is gone from this host. A look that fails (Redis unreachable) is skipped. Returns the stop:
 * nothing is reported after it, and it does not wait for a look still on the wire.
 */
export function watchDepartures(watch: DepartureWatch): () => void {
  const known = new Map<string, RunMember>();
  const absentSince = new Map<string, number>();
  const reported = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const report = async (member: RunMember) => {
    reported.add(member.id);
    known.delete(member.id);
    absentSince.delete(member.id);
    await watch.onLeft(member).catch(() => undefined);
  };
  const look = async (): Promise<void> => {
    const members = await watch.members().catch(() => undefined);
    if (!members) return;
    const now = Date.now();
    const live = new Set(members.map((m) => m.id));
    const gone = live.has(watch.selfId) ? [...known.values()].filter((m) => !live.has(m.id)) : [];
    for (const member of known.values()) if (live.has(member.id)) absentSince.delete(member.id);
    for (const member of gone) {
      const since = absentSince.get(member.id) ?? now;
      absentSince.set(member.id, since);
      if (now - since >= watch.absentMs && !stopped) await report(member);
    }
    for (const member of members) {
      if (member.id === watch.selfId || reported.has(member.id)) continue;
      if (deadHere(member)) {
        if (!stopped) await report(member);
      } else known.set(member.id, member);
    }
  };
  const tick = () => {
    timer = setTimeout(() => void look().finally(() => stopped || tick()), watch.everyMs);
    timer.unref();
  };
  void look().finally(() => stopped || tick());
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
