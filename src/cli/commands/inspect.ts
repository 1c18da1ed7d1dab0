/**
 * `delm inspect`: the live inspector on its own — the shipped multi-document sample run through a
 * swarm (`--demo`), or a recorded trajectory replayed — served until SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachInspector } from '../../inspector/attach.js';
import { readTrajectory, replayTrajectory } from '../../inspector/replay.js';
import { startInspector, type Inspector } from '../../inspector/server.js';
import { createSwarm } from '../../runtime/swarm.js';
import { agentsOnThreads } from '../progress.js';
import { itemToTask, loadLongBenchFile } from '../../workloads/longbench.js';
import {
  EXIT,
  parseCommandArgs,
  portArg,
  positiveIntArg,
  untilAborted,
  UsageError,
  type CliIO,
  type Command,
} from '../command.js';

/** Simulated model latency of the demo, so agents' states can be followed by eye. */
const DEMO_LATENCY = { perCallMs: 700, perOutputTokenMs: 2 };

/** The shipped sample, from the sources (src/cli/commands) or the build (dist/src/cli/commands). */
function sampleFile(): string {
  for (const up of ['../../../examples/multidoc/data.json', '../../../../examples/multidoc/data.json']) {
    const file = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new UsageError(
    'the multi-document sample (examples/multidoc/data.json) is not installed with this copy of delm',
  );
}

async function runDemo(inspector: Inspector, agents: number, threads: number | undefined, io: CliIO): Promise<void> {
  const file = sampleFile();
  const items = await loadLongBenchFile(file);
  const swarm = createSwarm({
    agents,
    ...(threads !== undefined ? { threads } : {}),
    model: { provider: 'offline', latency: DEMO_LATENCY },
  });
  io.out(
    `demo: ${items.length} questions from ${path.relative(io.cwd, file) || file}, ${agentsOnThreads(agents, threads)}, offline model (not an LLM) with ${DEMO_LATENCY.perCallMs} ms simulated latency\n`,
  );
  try {
    for (const [index, item] of items.entries()) {
      if (io.signal.aborted) break;
      const result = await swarm.run(
        itemToTask(item),
        attachInspector(inspector, { signal: io.signal }, { label: `demo ${index + 1}/${items.length} · ${item._id}` }),
      );
      io.out(
        `  ${item._id}: ${result.stopReason}, ${result.entries.filter((e) => e.kind === 'gist').length} gists, ${result.wallTimeMs} ms\n`,
      );
    }
  } finally {
    await swarm.close();
  }
}

/** The `inspect` command. */
export const command: Command = {
  name: 'inspect',
  summary: 'Serve the live inspector: the multi-document demo through a swarm, or a recorded trajectory.',
  usage: `Usage: delm inspect --demo [options]
       delm inspect <trajectory.jsonl> [--speed <x>] [options]

Serves a local page showing each agent's statechart with its current state, the task queue (leases
included), the ledger (gists unfold into their detail; rejections with reasons), a timeline of agent
states, and token and cost meters. It stays up until Ctrl-C.

  --demo            run the shipped multi-document sample through a swarm on the offline model
                    (simulated latency), one question after another
  <file>            replay a trajectory: one event per line, as delm run records in
                    trajectories/<mode>/<item>.jsonl
  --speed <x>       replay speed: 1 is as recorded (default), 10 ten times faster
  --agents <n>      agents of the demo swarm (default 4)
  --threads <n>     host the demo's agents on n worker threads, many per thread (default: one thread
                    per agent, up to 256 agents; above that, one per core)
  --host <addr>     address to bind (default 127.0.0.1; any other address requires a token)
  --port <n>        port (default: any free port)
  --token <t>       require this token (at least 16 characters; or set DELM_INSPECTOR_TOKEN);
                    open the page with ?token=<t>
  -h, --help        show this help`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      demo: { type: 'boolean' },
      speed: { type: 'string' },
      agents: { type: 'string' },
      threads: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return EXIT.ok;
    }
    if (values.demo && positionals.length) throw new UsageError('give either --demo or a trajectory file, not both');
    if (!values.demo && positionals.length !== 1)
      throw new UsageError(
        positionals.length
          ? `expected one trajectory file, got ${positionals.length}`
          : 'give --demo, or a trajectory file (.jsonl) to replay',
      );
    if (values.demo && values.speed !== undefined) throw new UsageError('--speed applies to replays, not to --demo');
    if (!values.demo && (values.agents !== undefined || values.threads !== undefined))
      throw new UsageError('--agents and --threads apply to --demo, not to replays');
    const speed = values.speed === undefined ? 1 : Number(values.speed);
    if (!(speed > 0) || !Number.isFinite(speed))
      throw new UsageError(`--speed must be a positive number, got "${values.speed}"`);
    const agents = positiveIntArg('agents', values.agents) ?? 4;
    const threads = positiveIntArg('threads', values.threads);
    const port = portArg(values.port) ?? 0;
    const token = values.token ?? (io.env.DELM_INSPECTOR_TOKEN || undefined);
    // Read the trajectory before binding anything: a bad file is a usage error.
    const trajectory =
      positionals[0] !== undefined
        ? await readTrajectory(path.resolve(io.cwd, positionals[0])).catch((e: Error) =>
            Promise.reject(new UsageError(e.message)),
          )
        : undefined;

    let inspector: Inspector;
    try {
      inspector = await startInspector({
        ...(values.host !== undefined ? { host: values.host } : {}),
        port,
        ...(token !== undefined ? { token } : {}),
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'INVALID_CONFIG') throw new UsageError((error as Error).message);
      throw error;
    }
    io.out(`inspector: ${inspector.url}${token !== undefined ? ' (add ?token=<your token>)' : ''}\n`);
    try {
      if (trajectory) {
        if (trajectory.skippedCount)
          io.err(
            `inspect: skipped ${trajectory.skippedCount} line(s) that are not valid events (first: line ${trajectory.skipped[0]?.line}: ${trajectory.skipped[0]?.problem})\n`,
          );
        const count = trajectory.runs.reduce((n, r) => n + r.events.length, 0);
        io.out(`replaying ${count} events of ${trajectory.runs.length} run(s)${speed !== 1 ? ` at ${speed}×` : ''}\n`);
        await replayTrajectory(inspector, trajectory, {
          speed,
          signal: io.signal,
          label: path.basename(positionals[0]!),
        });
        if (!io.signal.aborted) io.out('replay finished; Ctrl-C to stop\n');
      } else {
        await runDemo(inspector, agents, threads, io);
        if (!io.signal.aborted) io.out('demo finished; Ctrl-C to stop\n');
      }
      await untilAborted(io.signal);
    } finally {
      await inspector.close();
    }
    return EXIT.ok;
  },
};
