/** `delm run <workload>`: run a workload's items in one mode, with a live display and records. */
import { MODES, type Mode } from '../../modes/result.js';
import { checkWorkloadRun, runWorkload } from '../../evaluation/run-workload.js';
import { interruptedNotice } from '../interrupted.js';
import { summarize } from '../../evaluation/summary.js';
import { RunRecords } from '../../records/run-records.js';
import { runIdentity } from '../run-settings.js';
import { summaryScope } from '../summary-scope.js';
import { withRecordsLink } from '../records-link.js';
import { EXIT, parseCommandArgs, positiveIntArg, redisUrlArg, UsageError, type Command } from '../command.js';
import { Progress, agentsOnThreads } from '../progress.js';
import { summaryTable, unverifiedAnswerLines } from '../summary-table.js';
import { tallied, WaitingTally } from '../waiting-line.js';
import { renderTable } from '../table.js';
import {
  loadWorkloadFor,
  modelName,
  resolveWorkloadOptions,
  WORKLOAD_OPTIONS,
  WORKLOAD_OPTIONS_HELP,
} from '../workload-options.js';
import { startLiveInspector } from '../live-inspector.js';
import { itemDisplay } from '../item-display.js';
import { watchMembers } from '../../redis/member-watch.js';
import { processesText } from '../../inspector/processes-text.js';
import { apiKeys, cliLogger, LOG_FLAGS, QUIET_LOG_USAGE } from '../logging.js';
import { MIN_MEMBER_TTL_MS } from '../../runtime/options.js';

/** `--keep-finished-ms` and `--member-ttl-ms` as the substrate's Redis options (only those given). */
function redisKeepArgs(
  keepFinished: string | undefined,
  memberTtl: string | undefined,
): { keepFinishedMs?: number; memberTtlMs?: number } {
  const keepFinishedMs = positiveIntArg('keep-finished-ms', keepFinished);
  const memberTtlMs = positiveIntArg('member-ttl-ms', memberTtl);
  if (memberTtlMs !== undefined && memberTtlMs < MIN_MEMBER_TTL_MS)
    throw new UsageError(`--member-ttl-ms must be at least ${MIN_MEMBER_TTL_MS}, got "${memberTtl}"`);
  return {
    ...(keepFinishedMs !== undefined ? { keepFinishedMs } : {}),
    ...(memberTtlMs !== undefined ? { memberTtlMs } : {}),
  };
}

/** The `run` command. */
export const command: Command = {
  name: 'run',
  summary: 'Run a workload (LongBench-v2 .json/.jsonl, or a workspace folder to debug) and record it.',
  usage: `Usage: delm run <workload> [options]

<workload> is a LongBench-v2 file (.json array or .jsonl of items: _id, question, choice_A..D,
answer, context, …), a folder holding a JavaScript project whose failing tests delm should fix, or
a folder with a workload.json whose questions the agents answer by searching files with tools
(examples/licence-search).

Options:
  --mode <mode>          delm (default), orchestrator or single
  --redis <url>          keep each item's run in Redis (redis://host:port): \`delm worker\` processes on any
                         machine can join it and \`delm resume\` can finish it if this process dies. A
                         password: DELM_REDIS_PASSWORD, which stays out of process lists
  --keep-finished-ms <ms>
                         with --redis: how long a finished or stopped run's keys stay in Redis
                         (keepFinishedMs; default 604800000, 7 days; a running run's never expire)
  --member-ttl-ms <ms>   with --redis: expiry of each process's member key, refreshed every third of it
                         (memberTtlMs; default 10000, at least 300): a process that died drops out of
                         the run's processes after it. \`delm worker\` and \`delm resume\` follow both
${WORKLOAD_OPTIONS_HELP}
${QUIET_LOG_USAGE}
  -h, --help             show this help

Records (in --out): events.jsonl (one line per model call and per tool call), results.csv (one row per item),
answers.jsonl (per item: question, answer text, expected answer, the score and its rule),
ledger/<mode>/<item>.jsonl, trajectories/<mode>/<item>.jsonl (replay with delm inspect), summary.json.
Exit codes: 0 every item ran, 1 an item ended in error or with every sub-task failed, 2 bad arguments or input, 130 interrupted.`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...WORKLOAD_OPTIONS,
      ...LOG_FLAGS,
      mode: { type: 'string' },
      redis: { type: 'string' },
      'keep-finished-ms': { type: 'string' },
      'member-ttl-ms': { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return EXIT.ok;
    }
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length
          ? `expected one workload, got ${positionals.length}: ${positionals.join(' ')}`
          : 'missing <workload>: a LongBench-v2 .json/.jsonl file or a workspace folder',
      );
    const mode = (values.mode ?? 'delm') as Mode;
    if (!MODES.includes(mode)) throw new UsageError(`unknown --mode "${values.mode}" (expected ${MODES.join(', ')})`);
    const logger = cliLogger(io, values, apiKeys(io.env), 'warn');
    const options = resolveWorkloadOptions(values, 'run', io.cwd);
    const redis = redisUrlArg(values.redis, io.env);
    const keep = redisKeepArgs(values['keep-finished-ms'], values['member-ttl-ms']);
    if (redis === undefined && Object.keys(keep).length > 0)
      throw new UsageError('--keep-finished-ms and --member-ttl-ms apply to a run kept in Redis: add --redis <url>');
    if (redis !== undefined) {
      if (mode !== 'delm') throw new UsageError(`--redis keeps a swarm's run in Redis: mode delm only, not ${mode}`);
      // A wrong URL or a Redis that is not there fails here, before anything runs.
      await (await import('../redis-check.js')).checkRedis(redis);
      options.runner.substrate = { redis: { url: redis, ...keep } };
    }
    const workload = await loadWorkloadFor(positionals[0]!, options, io.cwd);
    if (!workload.modes.includes(mode))
      throw new UsageError(`the ${workload.kind} workload runs in ${workload.modes.join(' or ')} mode, not ${mode}`);
    const model = modelName(options.runner);
    // Before the records folder exists: a bad model, key or option must not leave one behind.
    await checkWorkloadRun(workload, mode, options.runner);
    const records = await RunRecords.open(options.out, {
      resume: Boolean(values.resume),
      onNotice: (line) => logger.warn(line),
      identity: await runIdentity(options, workload, [mode], model),
    });
    const inspector = values.inspect ? await startLiveInspector(io) : undefined;

    const progress = new Progress((text) => io.out(text), io.isTTY);
    const total = Math.min(workload.items.length, options.limit ?? Infinity);
    io.out(
      `delm run: ${total} ${workload.kind} item${total === 1 ? '' : 's'} from ${workload.source}, mode ${mode}, model ${model}${model === 'offline' ? ' (not an LLM)' : ''}` +
        `${mode === 'delm' ? `, ${agentsOnThreads(options.runner.agents ?? 4, options.runner.threads)}` : ''}\n`,
    );
    logger.info(
      { workload: workload.source, kind: workload.kind, mode, model, items: total, out: records.dir },
      'run started',
    );
    const waiting = new WaitingTally();
    const display = tallied(
      itemDisplay({
        mode,
        progress,
        inspector,
        logger,
        agents: options.runner.agents ?? 4,
        label: (id) => id,
        indent: '',
      }),
      waiting,
    );
    // A run kept in Redis: its processes, shown in the progress block (and, in a pipe, as a line when
    // they change) and in the inspector's run list.
    let stopWatching: (() => Promise<void>) | undefined;
    const watch = (itemId: string, runId: string, url: string) => {
      stopWatching = watchMembers({ url }, runId, (members) => {
        const line = processesText(members);
        if (io.isTTY) progress.setProcesses(line);
        else io.out(`item ${itemId}: ${line}\n`);
        inspector?.processes(`${mode}:${itemId}`, members);
      });
    };
    try {
      await runWorkload(workload, mode, options.runner, {
        records,
        signal: io.signal,
        // Kept with each item's run in Redis: `delm resume` writes the item's records here if this process dies.
        ...(redis !== undefined
          ? { taskOf: (item) => withRecordsLink(item.task, { out: records.dir, itemId: item.id, mode }) }
          : {}),
        ...(options.limit ? { limit: options.limit } : {}),
        ...display,
        onEvent: (item, e) => {
          // The run id is what `delm worker --run` and `delm resume --run` take.
          if (redis !== undefined && e.type === 'run.started') {
            io.out(`item ${item.id}: run ${e.runId} in Redis\n`);
            watch(item.id, e.runId, redis);
          }
          display.onEvent?.(item, e);
        },
        onItemDone: (item, row, result) => {
          void stopWatching?.();
          stopWatching = undefined;
          display.onItemDone?.(item, row, result);
        },
      });
    } finally {
      await stopWatching?.();
      await inspector?.close();
    }
    // The items this command covers: a resume with a smaller --limit leaves later rows out.
    const scope = summaryScope(records, workload, options.limit);
    const summaries = summarize(scope.rows, [mode]);
    const interrupted = io.signal.aborted;
    await records.summarize({
      workload: workload.source,
      kind: workload.kind,
      mode,
      model,
      ...scope.fields,
      summaries,
      ...(interrupted ? { interrupted: true } : {}),
    });
    if (summaries.length) io.out(`\n${renderTable(summaryTable(summaries))}\n`);
    for (const line of unverifiedAnswerLines(summaries)) io.out(`${line}\n`);
    if (scope.notice) io.out(`${scope.notice}\n`);
    const waitingLine = waiting.line();
    if (waitingLine) io.out(`${waitingLine}\n`);
    io.out(`\nrecords: ${records.dir}\n`);
    if (interrupted) {
      const recorded = scope.rows.filter((r) => r.mode === mode).length;
      io.err(interruptedNotice(`${recorded} of ${total} items`, records.dir));
      return EXIT.interrupted;
    }
    return scope.rows.some((r) => r.mode === mode && (r.stop_reason === 'error' || r.stop_reason === 'tasks-failed'))
      ? EXIT.failure
      : EXIT.ok;
  },
};
