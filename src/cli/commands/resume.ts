/** `delm resume --redis URL --run ID`: finish a run kept in Redis after its coordinator died. */
import { createSwarm } from '../../runtime/swarm.js';
import { checkModelRef } from '../../runtime/model-loader.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { QUIET_LOG_USAGE } from '../logging.js';
import { checkRedis } from '../redis-check.js';
import { watchMembers } from '../../redis/member-watch.js';
import { processesText } from '../../inspector/processes-text.js';
import { agentLines, outcomeLine, readStoredRun, redisRunArgs, storedEvents } from '../redis-run.js';
import { openResumeRecords } from '../resume-records.js';
import { swarmModeResult } from '../../modes/runner.js';
import type { SwarmEvent, ToolResultEvent, UsageEvent } from '../../runtime/events.js';

/** The `resume` command. */
export const command: Command = {
  name: 'resume',
  summary: 'Finish a run kept in Redis after the process that coordinated it died.',
  usage: `Usage: delm resume --redis <url> --run <id> [--agents <n>]

Picks up a run whose coordinating process (delm run --redis, or a swarm with substrate.redis) died:
the entries already admitted to its ledger are kept, tasks whose holders died go back to the queue
once their process is known dead (its member key expired, or at once when it ran on this machine)
or their leases expire, proposals the dead verifier had not finished are judged again, and nothing
done is done twice. This process becomes the run's coordinator (verifier and agents) and finishes it;
\`delm worker\` processes that joined the run keep working. Settings come from Redis; API keys from
this machine's environment.
The run's settings, among them how long its keys stay in Redis once it ended (keepFinishedMs) and
its processes' member-key expiry (memberTtlMs), are the ones its creator gave (delm run
--keep-finished-ms / --member-ttl-ms, or substrate.redis of createSwarm); this process follows them.

Records: a run that \`delm run --redis\` started for an item is recorded in that run's --out folder
(when it is on this machine, or --out names it) as the dead process would have: its events, answer,
ledger, trajectory and results.csv row, scored; summary.json again. Then \`delm run … --resume\` on
the folder skips the item. Any other run gets a records folder of its own (--out, default
runs/resume-<time>/) with the same files, its row unscored. events.jsonl and the trajectory hold the
events in the run's stream in Redis (the dead process's, as far as they reached it) and this one's.

Options:
  --redis <url>          the Redis the run lives in (redis://host:port; a password: the
                         DELM_REDIS_PASSWORD environment variable, which stays out of process lists)
  --run <id>             the run to finish
  --agents <n>           agent threads (default: as many as the run's coordinator had)
  --out <dir>            where to record it (default: the folder of the delm run that started it)
${QUIET_LOG_USAGE}
  -h, --help             show this help

Exit codes: 0 the run finished, 1 it ended in error, 2 bad arguments or no such run (RUN_NOT_FOUND), 130 interrupted.`,

  async run(args, io) {
    const parsed = redisRunArgs(args, io, this.usage, false, true);
    if (!parsed) return EXIT.ok;
    const { url, agents, logger, out } = parsed;
    const { run } = parsed;
    if (!run) throw new UsageError('--run <id> is required: the run to finish (delm run --redis prints it)');
    await checkRedis(url);
    const stored = await readStoredRun(url, run, agents);
    if (stored.state.phase === 'finished') {
      io.out(`run ${run} has already finished\n`);
      return EXIT.ok;
    }
    await checkModelRef(stored.options.model);
    // Before anything is resumed: a folder that cannot take the records is refused here.
    const records = await openResumeRecords(stored, {
      out,
      cwd: io.cwd,
      onNotice: (line) => io.err(`${line}\n`),
    });
    // What the dead coordinator reported (as far as it reached Redis), for the records; this process's events follow.
    const earlier = await storedEvents(url, run);
    if (earlier.dropped > 0)
      io.err(
        `delm: the run's event stream in Redis dropped its ${earlier.dropped} oldest events (its cap): the records lack them\n`,
      );
    const events: SwarmEvent[] = [...earlier.events];
    const swarm = createSwarm({ ...stored.options, logger });
    try {
      io.out(`delm resume: run ${run} (${stored.prompt.slice(0, 80)}) with ${stored.options.agents} agent(s)\n`);
      const stopWatching = watchMembers({ url }, run, (members) => {
        io.out(`run ${run} has ${processesText(members)}\n`);
      });
      const printAgents = agentLines((text) => io.out(text));
      const result = await swarm
        .resume(run, {
          signal: io.signal,
          onEvent: (event) => {
            events.push(event);
            printAgents(event);
          },
          ...(stored.traceContext ? { traceContext: stored.traceContext } : {}),
        })
        .result.finally(stopWatching);
      io.out(outcomeLine(result));
      if (io.signal.aborted) {
        io.err(`interrupted: the resumed run's records are not written\n`);
        return EXIT.interrupted;
      }
      const calls = events.filter((e): e is UsageEvent => e.type === 'usage');
      const toolCalls = events.filter((e): e is ToolResultEvent => e.type === 'tool.result');
      const row = await records.write(
        await swarmModeResult(result, calls, toolCalls, stored.options.protocol === 'debug'),
        events,
      );
      if (row)
        io.out(
          `records: ${records.dir}${row.correct === '' ? '' : ` (item ${row.item_id}: ${row.correct === 'true' ? 'correct' : 'wrong'}, ${row.predicted})`}\n`,
        );
      if (records.appended)
        io.out(
          `the run's other items: the delm run command that started it (${records.workload ?? 'its workload'}), with --resume --out ${records.dir}\n`,
        );
      return result.stopReason === 'error' || result.stopReason === 'tasks-failed' ? EXIT.failure : EXIT.ok;
    } finally {
      await swarm.close();
    }
  },
};
