/**
 * The live members of a run kept in Redis (host, pid, role, agents), looked up now and then and
 * reported when they change: what `delm run --redis`, `delm worker` and `delm resume` print, and what
 * `delm serve --redis --inspect` shows in the inspector's run list.
 */
import type { RedisTarget } from './client.js';
import type { RunMember } from './members.js';

/** How often the members of a run are looked up. */
const WATCH_MS = 2_000;

/**
 * Looks up the members of `runId` every couple of seconds and calls `onChange` with them when they
 * change (a process joined or left, or its agents changed); `onChange` returning false means the
 * members were not taken (their run not shown yet): they are reported again at the next look. Stop it
 * with the returned function.
 */
export function watchMembers(
  target: RedisTarget,
  runId: string,
  onChange: (members: RunMember[]) => void | boolean,
  everyMs = WATCH_MS,
): () => Promise<void> {
  let last = '';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const look = async (): Promise<void> => {
    // Loaded only for a run in Redis: a command that imports this module does not load the client.
    const { listMembers } = await import('./members.js');
    const members = await listMembers(target, runId).catch(() => undefined);
    if (stopped || !members) return;
    const key = JSON.stringify(members.map((m) => [m.id, m.agents, m.verifier]));
    if (key !== last && onChange(members) !== false) last = key;
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
