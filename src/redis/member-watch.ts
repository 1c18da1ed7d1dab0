/**
 * The live members of a run kept in Redis (host, pid, role, agents), looked up now and then and
 * reported when they change: what `delm run --redis`, `delm worker` and `delm resume` print, and what
 * `delm serve --redis --inspect` shows in the inspector's run list.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient, RedisTarget } from './client.js';
import type { ConnectionCache } from './connection-cache.js';
import type { RunMember } from './members.js';

/** How often the members of a run are looked up. */
const WATCH_MS = 2_000;
/** How long a stop waits for a look in progress before it closes the look's connection. */
const STOP_WAIT_MS = 1_000;

/**
 * Connections of the watches given a URL, kept between watches (`delm run --redis` watches each item's
 * run in turn): a look neither connects nor checks the library again.
 */
let watchConnections: Promise<ConnectionCache> | undefined;

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
  let lent: RedisClient | undefined;
  const url = 'url' in target ? target.url : undefined;
  // Loaded only for a run in Redis: a command that imports this module does not load the client.
  const cache = () => (watchConnections ??= import('./connection-cache.js').then((m) => new m.ConnectionCache()));
  const connection = async (): Promise<RedisTarget> =>
    url === undefined ? target : { client: (lent ??= await (await cache()).lend(url)) };
  const look = async (): Promise<void> => {
    const { listMembers } = await import('./members.js');
    if (stopped) return;
    const members = await connection()
      .then((t) => listMembers(t, runId))
      .catch(() => undefined);
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
    const looked = running.catch(() => undefined);
    if (lent && url !== undefined) {
      // A look still waiting after a second waits for Redis to come back: its connection is closed
      // (the look ends at once) rather than the stop waiting for it.
      const idle = await Promise.race([
        looked.then(() => true),
        sleep(STOP_WAIT_MS, undefined, { ref: false }).then(() => false),
      ]);
      if (!idle) lent.destroy();
    }
    await looked;
    // Given back once no look uses it: a first look stopped while connecting lends it only now, and a
    // connection never given back stays referenced, keeping the process alive after its run ended.
    if (lent && url !== undefined) (await cache()).giveBack(url, lent);
  };
}
