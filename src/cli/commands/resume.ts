/** `delm resume --redis URL --run ID`: finish a run kept in Redis after its coordinator died. */
import { createSwarm } from '../../runtime/swarm.js';
import { checkModelRef } from '../../runtime/model-loader.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { QUIET_LOG_USAGE } from '../logging.js';
import { checkRedis } from '../redis-check.js';
import { watchMembers } from '../../redis/member-watch.js';
import { processesText } from '../../inspector/processes-text.js';
import { agentLines, outcomeLine, readStoredRun, redisRunArgs } from '../redis-run.js';

/** The `resume` command. */
export const command: Command = {
  name: 'resume',
  summary: 'Finish a run kept in Redis after the process that coordinated it died.',
  usage: `Usage: delm resume --redis <url> --run <id> [--agents <n>]

Picks up a run whose coordinating process (delm run --redis, or a swarm with substrate.redis) died:
the entries already admitted to its ledger are kept, tasks whose holders died go back to the queue
when their leases expire, proposals the dead verifier had not finished are judged again, and nothing
done is done twice. This process becomes the run's coordinator (verifier and agents) and finishes it;
\`delm worker\` processes that joined the run keep working. Settings come from Redis; API keys from
this machine's environment.
The run's settings, among them how long its keys stay in Redis once it ended (keepFinishedMs) and
its processes' member-key expiry (memberTtlMs), are the ones its creator gave (delm run
--keep-finished-ms / --member-ttl-ms, or substrate.redis of createSwarm); this process follows them.

Options:
  --redis <url>          the Redis the run lives in (redis://host:port; a password: the
                         DELM_REDIS_PASSWORD environment variable, which stays out of process lists)
  --run <id>             the run to finish
  --agents <n>           agent threads (default: as many as the run's coordinator had)
${QUIET_LOG_USAGE}
  -h, --help             show this help

Exit codes: 0 the run finished, 1 it ended in error, 2 bad arguments or no such run (RUN_NOT_FOUND), 130 interrupted.`,

  async run(args, io) {
    const parsed = redisRunArgs(args, io, this.usage);
    if (!parsed) return EXIT.ok;
    const { url, agents, logger } = parsed;
    const { run } = parsed;
    if (!run) throw new UsageError('--run <id> is required: the run to finish (delm run --redis prints it)');
    await checkRedis(url);
    const stored = await readStoredRun(url, run, agents);
    if (stored.state.phase === 'finished') {
      io.out(`run ${run} has already finished\n`);
      return EXIT.ok;
    }
    await checkModelRef(stored.options.model);
    const swarm = createSwarm({ ...stored.options, logger });
    try {
      io.out(`delm resume: run ${run} (${stored.prompt.slice(0, 80)}) with ${stored.options.agents} agent(s)\n`);
      const stopWatching = watchMembers({ url }, run, (members) => {
        io.out(`run ${run} has ${processesText(members)}\n`);
      });
      const result = await swarm
        .resume(run, {
          signal: io.signal,
          onEvent: agentLines((text) => io.out(text)),
          ...(stored.traceContext ? { traceContext: stored.traceContext } : {}),
        })
        .result.finally(stopWatching);
      io.out(outcomeLine(result));
      if (io.signal.aborted) return EXIT.interrupted;
      return result.stopReason === 'error' || result.stopReason === 'tasks-failed' ? EXIT.failure : EXIT.ok;
    } finally {
      await swarm.close();
    }
  },
};
