/**
 * What `delm worker` and `delm resume` share: reading a run kept in Redis (its stored settings and
 * state), building a swarm from those settings with this process's own agent count, and printing the
 * outcome. API keys come from this machine's environment, never from Redis.
 */
import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';
import { connect } from '../redis/client.js';
import { parseCommandArgs, positiveIntArg, redisUrlArg, UsageError, type CliIO } from './command.js';
import { apiKeys, cliLogger, LOG_FLAGS } from './logging.js';
import { parseTraceparent } from '../telemetry/traceparent.js';
import { RedisRunControl, type RedisRunState } from '../redis/run-control.js';
import { RunNotFoundError } from '../runtime/redis-substrate.js';
import { loadRunConfig } from '../runtime/run-config.js';
import type { ResolvedSwarmOptions } from '../runtime/options.js';
import type { RunResult } from '../runtime/run.js';
import { errorText } from '../runtime/run-result.js';
import type { SwarmEvent } from '../runtime/events.js';
import { RedisEventLog } from '../redis/event-log.js';
import type { RunTask } from '../types.js';

/** A run as stored in Redis, with the options this process runs it with. */
export interface StoredRun {
  runId: string;
  state: RedisRunState;
  options: ResolvedSwarmOptions;
  prompt: string;
  /** The task as stored with the run (its sources' texts are in the run's ledger, not here). */
  task: RunTask;
  /** The coordinator's run span, for this process's run span to continue (a remote parent); absent when untraced. */
  traceContext: Context | undefined;
}

/** Reads run `runId`: RUN_NOT_FOUND when Redis has no such run, REDIS_UNAVAILABLE when Redis does not answer. */
export async function readStoredRun(url: string, runId: string, agents: number | undefined): Promise<StoredRun> {
  const { client } = await connect({ url });
  try {
    const control = await RedisRunControl.open({ client }, runId);
    const json = await control.config();
    if (json === undefined) throw new RunNotFoundError(runId);
    const state = await control.state();
    const loaded = loadRunConfig(json, { substrate: { redis: { url } }, ...(agents ? { agents } : {}) });
    const parent = parseTraceparent(loaded.traceparent);
    const traceContext = parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : undefined;
    return { runId, state, options: loaded.options, prompt: loaded.task.prompt, task: loaded.task, traceContext };
  } finally {
    await client.close();
  }
}

/**
 * The events run `runId`'s stream in Redis holds (what its coordinating processes published, oldest
 * first), and how many the stream's cap dropped: what a process that died had reported, as far as it
 * reached Redis. A line that is not an event is left out.
 */
export async function storedEvents(url: string, runId: string): Promise<{ events: SwarmEvent[]; dropped: number }> {
  const log = await RedisEventLog.open({ url }, { runId });
  try {
    const events: SwarmEvent[] = [];
    for (let after = '0-0'; ;) {
      const batch = await log.after(after, 1_000);
      for (const stored of batch) {
        try {
          const event = JSON.parse(stored.data) as SwarmEvent;
          if (typeof event === 'object' && event !== null && typeof event.type === 'string') events.push(event);
        } catch {
          /* not an event: left out */
        }
      }
      if (batch.length < 1_000) break;
      after = batch.at(-1)!.id;
    }
    const { kept, added } = await log.size();
    return { events, dropped: Math.max(0, added - kept) };
  } finally {
    await log.disconnect();
  }
}

/**
 * The flags of `delm worker` and `delm resume`, parsed (`--standby-verifier` only when `standby` is
 * allowed: the worker's; `--out` only when `out` is: the resume's); undefined when `--help` was asked
 * (and printed).
 */
export function redisRunArgs(
  args: string[],
  io: CliIO,
  usage: string,
  standby = false,
  out = false,
):
  | {
      url: string;
      run: string | undefined;
      agents: number | undefined;
      standbyVerifier: boolean;
      /** `--out` (resume only): where the records go. */
      out: string | undefined;
      logger: Logger;
    }
  | undefined {
  const { values } = parseCommandArgs(
    args,
    {
      redis: { type: 'string' },
      run: { type: 'string' },
      agents: { type: 'string' },
      ...(standby ? { 'standby-verifier': { type: 'boolean' as const } } : {}),
      ...(out ? { out: { type: 'string' as const } } : {}),
      ...LOG_FLAGS,
    },
    false,
  );
  if (values.help) {
    io.out(`${usage}\n`);
    return undefined;
  }
  const url = redisUrlArg(values.redis, io.env);
  if (!url) throw new UsageError('--redis <url> is required: the Redis the run lives in');
  return {
    url,
    run: values.run,
    agents: positiveIntArg('agents', values.agents),
    standbyVerifier: (values as { 'standby-verifier'?: boolean })['standby-verifier'] === true,
    out: (values as { out?: string }).out,
    logger: cliLogger(io, values, apiKeys(io.env), 'warn'),
  };
}

/**
 * Prints what a worker or a resumed coordinator needs to follow: its agents as they start, and how
 * each ends (a release at a round's end, routine, is not printed), with the task a crashed one held.
 */
export function agentLines(out: (text: string) => void): (event: SwarmEvent) => void {
  return (event) => {
    if (event.type === 'agent.started') out(`agent ${event.agentId} started\n`);
    else if (event.type === 'agent.stopped' && event.status !== 'released')
      out(`agent ${event.agentId} ${event.status}${event.reason ? `: ${event.reason}` : ''}\n`);
    else if (event.type === 'agent.crashed')
      out(
        `agent ${event.agentId} crashed: ${event.error}${event.heldTaskId === undefined ? '' : ` (it held task ${event.heldTaskId})`}\n`,
      );
    else if (event.type === 'process.left' && event.taskIds.length > 0)
      out(
        `process ${event.host}:${event.pid} left the run holding task(s) ${event.taskIds.join(', ')}: they went back to the queue\n`,
      );
  };
}

/** One line on how a run ended for this process. */
export function outcomeLine(result: RunResult): string {
  const completed = result.agents.reduce((n, a) => n + a.tasksCompleted, 0);
  const answer = result.answer === undefined ? '' : `; answer: ${result.answer}`;
  const error = result.error ? ` (${errorText(result)})` : '';
  return `run ${result.runId}: ${result.stopReason}${error}; this process's agents completed ${completed} task(s); queue ${result.tasks.done}/${result.tasks.total} done, ${result.tasks.failed} failed${answer}\n`;
}
