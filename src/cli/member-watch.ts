/**
 * What `delm run --redis`, `delm worker` and `delm resume` say about the processes in a run: its live
 * members (host, pid, role, agents), looked up now and then and reported when they change.
 */
import type { RunMember } from '../redis/members.js';

/** How often the members of a run are looked up. */
const WATCH_MS = 2_000;

/**
 * Looks up the members of `runId` every couple of seconds and calls `onChange` with them when they
 * change (a process joined or left, or its agents changed); stop it with the returned function.
 */
export function watchMembers(
  url: string,
  runId: string,
  onChange: (members: RunMember[]) => void,
  everyMs = WATCH_MS,
): () => Promise<void> {
  let last = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const look = async (): Promise<void> => {
    // Loaded only for a run in Redis.
    const { listMembers } = await import('../redis/members.js');
    const members = await listMembers({ url }, runId).catch(() => undefined);
    if (stopped || !members) return;
    const key = JSON.stringify(members.map((m) => [m.id, m.agents, m.verifier]));
    if (key !== last) {
      last = key;
      onChange(members);
    }
  };
  let running = look();
  const tick = () => {
    timer = setTimeout(() => {
      running = running.then(look).finally(() => {
        if (!stopped) tick();
      });
    }, everyMs);
    timer.unref();
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running.catch(() => undefined);
  };
}
