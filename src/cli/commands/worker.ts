/** `delm worker --redis URL [--run ID] --agents N`: this process's agents join runs kept in Redis. */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../../redis/client.js';
import { RedisRunControl } from '../../redis/run-control.js';
import { createSwarm } from '../../runtime/swarm.js';
import { checkModelRef } from '../../runtime/model-loader.js';
import { EXIT, type Command } from '../command.js';
import { QUIET_LOG_USAGE } from '../logging.js';
import { checkRedis } from '../redis-check.js';
import { watchMembers } from '../../redis/member-watch.js';
import { processesText } from '../../inspector/processes-text.js';
import { agentLines, outcomeLine, readStoredRun, redisRunArgs } from '../redis-run.js';

/** How often a worker without --run looks for a run to join. */
const LOOK_MS = 1_000;

/** The `worker` command. */
export const command: Command = {
  name: 'worker',
  summary: 'Join runs kept in Redis with this process’s agents (from any machine).',
  usage: `Usage: delm worker --redis <url> [--run <id>] [--agents <n>] [--standby-verifier]

Joins a run that \`delm run --redis\` (or createSwarm with substrate.redis) coordinates: reads the
run's settings from Redis (protocol, model, budgets, task — API keys come from this machine's
environment), replays its ledger, starts the agents and claims tasks until the run ends. Without
--run it joins every run that is going, one after another, and waits for more. SIGINT/SIGTERM
leave cleanly: the agents stop and give their leases back; the run goes on without them. While it
runs, the worker prints the run's processes (host, pid, role, agents) whenever they change.
With --standby-verifier the worker also keeps a verifier ready: when the run's verifier dies (or is
frozen past its 5 s writer lease), it takes the ledger over — a new writer epoch, so the old
verifier's later appends are refused (FENCED) — claims the proposals left unacknowledged, and
goes on committing.
The run's settings, among them how long its keys stay in Redis once it ended (keepFinishedMs) and
its processes' member-key expiry (memberTtlMs), are the ones its creator gave (delm run
--keep-finished-ms / --member-ttl-ms, or substrate.redis of createSwarm); this process follows them.

Options:
  --redis <url>          the Redis the run lives in (redis://host:port; a password: the
                         DELM_REDIS_PASSWORD environment variable, which stays out of process lists)
  --run <id>             the run to join (delm run --redis prints it); default: every run going
  --agents <n>           agent threads of this process (default 4)
  --standby-verifier     take the run's verifier over if it dies
${QUIET_LOG_USAGE}
  -h, --help             show this help

Exit codes: 0 the run ended, 1 an error, 2 bad arguments or no such run (RUN_NOT_FOUND), 130 interrupted.`,

  async run(args, io) {
    const parsed = redisRunArgs(args, io, this.usage, true);
    if (!parsed) return EXIT.ok;
    const { url, logger } = parsed;
    const { run } = parsed;
    const agents = parsed.agents ?? 4;
    await checkRedis(url);
    const joined = new Set<string>();
    for (;;) {
      const runId =
        run ?? (await nextRun(url, joined, io.signal, () => io.out('delm worker: waiting for a run in Redis\n')));
      if (runId === undefined) return EXIT.interrupted;
      joined.add(runId);
      const stored = await readStoredRun(url, runId, agents);
      if (stored.state.phase === 'finished' || stored.state.phase === 'stopped') {
        io.out(`run ${runId} has already ${stored.state.phase === 'finished' ? 'finished' : 'stopped'}\n`);
        if (run) return EXIT.ok;
        continue;
      }
      await checkModelRef(stored.options.model);
      const swarm = createSwarm({ ...stored.options, logger });
      try {
        io.out(
          `delm worker: joining run ${runId} with ${agents} agent(s)${parsed.standbyVerifier ? ' and a standby verifier' : ''}\n`,
        );
        const stopWatching = watchMembers({ url }, runId, (members) => {
          io.out(`run ${runId} has ${processesText(members)}\n`);
        });
        const result = await swarm
          .join(runId, {
            signal: io.signal,
            standbyVerifier: parsed.standbyVerifier,
            onEvent: agentLines((text) => io.out(text)),
            ...(stored.traceContext ? { traceContext: stored.traceContext } : {}),
          })
          .result.finally(stopWatching);
        io.out(outcomeLine(result));
        if (io.signal.aborted) return EXIT.interrupted;
        if (run) return result.stopReason === 'error' ? EXIT.failure : EXIT.ok;
      } finally {
        await swarm.close();
      }
    }
  },
};

/** The next run going that this worker has not joined yet, looking again every second; undefined once interrupted. */
async function nextRun(
  url: string,
  joined: Set<string>,
  signal: AbortSignal,
  onWait: () => void,
): Promise<string | undefined> {
  for (let first = true; !signal.aborted; first = false) {
    // Only a run that is going (or planning: its agents start once the plan is in): one whose processes
    // all died stays open in Redis until it is resumed.
    const { client } = await connect({ url });
    try {
      for (const id of await RedisRunControl.openRuns({ client }))
        if (!joined.has(id) && (await RedisRunControl.isGoing({ client }, id, { planning: true }))) return id;
    } finally {
      await client.close();
    }
    if (first) onWait();
    await sleep(LOOK_MS, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
