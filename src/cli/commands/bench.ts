/** `delm bench <workload>`: the same items through delm, the orchestrator and a single pass, side by side. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MODES, type Mode } from '../../modes/result.js';
import { checkWorkloadRun, runWorkload } from '../../evaluation/run-workload.js';
import { interruptedNotice } from '../interrupted.js';
import { summarize } from '../../evaluation/summary.js';
import { RunRecords } from '../../records/run-records.js';
import { runIdentity } from '../run-settings.js';
import { summaryScope } from '../summary-scope.js';
import { tokensChart } from '../chart.js';
import { EXIT, parseCommandArgs, UsageError, type Command } from '../command.js';
import { startLiveInspector } from '../live-inspector.js';
import { itemDisplay } from '../item-display.js';
import { tallied, WaitingTally } from '../waiting-line.js';
import { apiKeys, cliLogger, LOG_FLAGS, QUIET_LOG_USAGE } from '../logging.js';
import { Progress, agentsOnThreads } from '../progress.js';
import { summaryTable, unverifiedAnswerLines } from '../summary-table.js';
import { renderMarkdownTable, renderTable } from '../table.js';
import {
  loadWorkloadFor,
  modelName,
  resolveWorkloadOptions,
  WORKLOAD_OPTIONS,
  WORKLOAD_OPTIONS_HELP,
} from '../workload-options.js';
import { runScaling, type ScalingPoint } from '../../evaluation/scaling.js';
import { ScalingRecords } from '../../records/scaling-records.js';
import { fitPowerLaw } from '../../modes/growth.js';
import { comparison } from '../comparison.js';

/** The `bench` command. */
export const command: Command = {
  name: 'bench',
  summary: 'Run a workload through delm, the orchestrator and a single pass, side by side.',
  usage: `Usage: delm bench <workload> [options]

Runs the same items through every mode on the same model and budgets, then prints a side-by-side
table (accuracy, tokens, cost and wall time per item, waiting share, largest prompt, and the fitted
exponent of tokens against sub-tasks) and writes it as bench.md, with a chart
tokens-vs-subtasks.svg, next to the records of every item.

Options:
  --modes <list>         comma-separated modes (default: every mode the workload supports:
                         delm,orchestrator,single for QA; delm,orchestrator for debugging)
  --scaling              also run a scaling series (QA and tool search): the item with the most
                         sub-tasks (chunks, files to search), cut to its first 2, 4, 8, … of them, in
                         every mode with the same model, budgets and tools; the growth exponent and
                         the chart then come from it (one variable changes: the number of sub-tasks).
                         Recorded in scaling.csv (tokens, calls, cost per point), scaling/events.jsonl
                         and scaling/trajectories/
${WORKLOAD_OPTIONS_HELP}
${QUIET_LOG_USAGE}
  -h, --help             show this help

With the offline model (no judge, no tool module or MCP server), every mode first runs the first item
once, unrecorded, so start-up is not measured. With any other model nothing is warmed up: a warm-up
would send calls the records do not show, and give its mode a pass over an item the others lack, so
every call the provider bills is in the records, and start-up is in every mode's first item.
Exit codes: 0 done, 1 an item ended in error, 2 bad arguments or input, 130 interrupted.`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      ...WORKLOAD_OPTIONS,
      ...LOG_FLAGS,
      modes: { type: 'string' },
      scaling: { type: 'boolean' },
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
    const logger = cliLogger(io, values, apiKeys(io.env), 'warn');
    const options = resolveWorkloadOptions(values, 'bench', io.cwd);
    const workload = await loadWorkloadFor(positionals[0]!, options, io.cwd);
    const requested = values.modes ? (values.modes.split(',').map((m) => m.trim()) as Mode[]) : [...workload.modes];
    for (const m of requested) {
      if (!MODES.includes(m)) throw new UsageError(`unknown mode "${m}" in --modes (expected ${MODES.join(', ')})`);
      if (!workload.modes.includes(m))
        throw new UsageError(`the ${workload.kind} workload runs in ${workload.modes.join(' and ')} modes, not ${m}`);
    }
    // Before the records folder exists: a bad model, key or option must not leave one behind.
    for (const m of requested) await checkWorkloadRun(workload, m, options.runner);
    const model = modelName(options.runner);
    const records = await RunRecords.open(options.out, {
      resume: Boolean(values.resume),
      onNotice: (line) => logger.warn(line),
      identity: await runIdentity(options, workload, requested, model),
    });
    const inspector = values.inspect ? await startLiveInspector(io) : undefined;
    const total = Math.min(workload.items.length, options.limit ?? Infinity);
    io.out(
      `delm bench: ${total} ${workload.kind} item${total === 1 ? '' : 's'} from ${workload.source} × ${requested.join(', ')}, model ${model}${model === 'offline' ? ' (not an LLM)' : ''}, ${agentsOnThreads(options.runner.agents ?? 4, options.runner.threads)}\n`,
    );

    logger.info(
      { workload: workload.source, kind: workload.kind, modes: requested, model, items: total, out: records.dir },
      'bench started',
    );
    const progress = new Progress((text) => io.out(text), io.isTTY);
    const waiting = new WaitingTally();
    try {
      for (const mode of requested) {
        if (io.signal.aborted) break;
        io.out(`\n${mode}\n`);
        await runWorkload(workload, mode, options.runner, {
          records,
          signal: io.signal,
          warmUp: true,
          ...(options.limit ? { limit: options.limit } : {}),
          ...tallied(
            itemDisplay({
              mode,
              progress,
              inspector,
              logger,
              agents: options.runner.agents ?? 4,
              label: (id) => `${mode} · ${id}`,
              indent: '  ',
            }),
            waiting,
          ),
        });
      }
    } finally {
      await inspector?.close();
    }

    let scaling: ScalingPoint[] = [];
    // QA workloads (multi-document and tool search) have sub-tasks to cut; a debugging workspace has none.
    if (values.scaling && workload.kind !== 'debugging' && !io.signal.aborted) {
      io.out('\nscaling series\n');
      const series = await ScalingRecords.start(records.dir);
      scaling = await runScaling(workload, requested, options.runner, {
        signal: io.signal,
        onPoint: async (p, result, events) => {
          await series.write({ itemId: p.itemId, subTasks: p.subTasks, result, events });
          io.out(
            `  ${p.mode.padEnd(12)} ${String(p.subTasks).padStart(3)} sub-tasks  ${p.tokens.toLocaleString('en-US').padStart(10)} tokens  ${p.usage.modelCalls} calls${p.costUsd > 0 ? `  $${p.costUsd.toFixed(4)}` : ''}${p.toolCalls ? `  ${p.toolCalls} tool calls` : ''}  ${p.stopReason}\n`,
          );
        },
      });
    }
    // The items this command covers: a resume with a smaller --limit leaves later rows out.
    const scope = summaryScope(records, workload, options.limit);
    const summaries = summarize(scope.rows, requested).map((s) => {
      const points = scaling
        .filter((p) => p.mode === s.mode && p.stopReason === 'answered')
        .map((p) => ({ x: p.subTasks, y: p.tokens }));
      if (points.length < 2) return s;
      try {
        return { ...s, growth: fitPowerLaw(points) };
      } catch {
        return s;
      }
    });
    const table = summaryTable(summaries);
    const notes = [...comparison(summaries), ...unverifiedAnswerLines(summaries)];
    const waitingLine = waiting.line();
    if (waitingLine) notes.push(waitingLine);
    if (scope.notice) notes.push(`${scope.notice}.`);
    io.out(`\n${renderTable(table)}\n${notes.map((n) => `\n${n}`).join('')}\n`);
    const series = summaries.map((s) => ({
      label: s.mode,
      points: scaling.length
        ? scaling.filter((p) => p.mode === s.mode).map((p) => ({ x: p.subTasks, y: p.tokens }))
        : scope.rows
            .filter((r) => r.mode === s.mode)
            .map((r) => ({ x: Number(r.sub_tasks), y: Number(r.input_tokens) + Number(r.output_tokens) })),
      fit: s.growth,
    }));
    const title = `Tokens against sub-tasks${scaling.length ? ' (scaling series)' : ' (per item)'} — ${path.basename(workload.source)}, ${model}`;
    await writeFile(path.join(records.dir, 'tokens-vs-subtasks.svg'), tokensChart(series, title));
    const markdown = [
      `# delm bench — ${path.basename(workload.source)}`,
      '',
      `${total} ${workload.kind} items, model \`${model}\`${model === 'offline' ? ' (the offline model is not an LLM: its accuracy says nothing about a language model)' : ''}, ${options.runner.agents ?? 4} agents/workers, ${new Date().toISOString()}.`,
      '',
      renderMarkdownTable(table),
      '',
      ...notes,
      '',
      scaling.length
        ? '`growth k`: exponent of a least-squares fit of tokens against sub-tasks (log-log) over the scaling series: the item with the most sub-tasks, cut to its first 2, 4, 8, … of them (scaling.csv: tokens, calls and cost per point; scaling/events.jsonl: every call).'
        : '`growth k`: exponent of a least-squares fit of tokens per item against sub-tasks per item (log-log); items differ in more than their number of sub-tasks, so run with `--scaling` for a controlled series.',
      '`waiting`: delm agents waiting on coordination (claiming, the election, the verifier settling the round); the orchestrator manager waiting on its workers.',
      '',
      '![tokens against sub-tasks](tokens-vs-subtasks.svg)',
      '',
    ].join('\n');
    await writeFile(path.join(records.dir, 'bench.md'), markdown);
    const interrupted = io.signal.aborted;
    await records.summarize({
      workload: workload.source,
      kind: workload.kind,
      model,
      modes: requested,
      ...scope.fields,
      summaries,
      ...(interrupted ? { interrupted: true } : {}),
    });
    io.out(`\nrecords, bench.md and tokens-vs-subtasks.svg: ${records.dir}\n`);
    if (interrupted) {
      io.err(interruptedNotice(`${scope.rows.length} of ${total * requested.length} item runs`, records.dir));
      return EXIT.interrupted;
    }
    return scope.rows.some((r) => r.stop_reason === 'error') ? EXIT.failure : EXIT.ok;
  },
};
