/**
 * The runs of `delm serve --redis` as every serve process on that Redis sees them. The process that
 * started a run records it under the run's keys (`delm:{<runId>}:s:run`, a hash: kind, createdAt, and
 * once finished finishedAt, the result JSON or the error) beside the run's event stream; any other
 * process answers `GET /v1/runs/:id` from there, streams the events, and cancels the run by storing
 * the stop reason `aborted` with the run, which the owning process's supervisor and agents observe.
 * A finished run's record and events expire after `retainMs`, and at most `retainRuns` finished runs
 * are kept across every serve process on that Redis: each finishing run is listed in
 * `delm:serve:finished` (by finish time) and the oldest beyond the count are dropped from it, their
 * record and events deleted and the run's other keys expired at once.
 */
import { connect, runPrefix, type RedisClient, type RedisTarget } from '../redis/client.js';
import { RedisEventLog } from '../redis/event-log.js';
import { RedisRunControl } from '../redis/run-control.js';
import type { RunResult } from '../runtime/run.js';
import type { RunRecord, RunStatus } from './registry.js';

/** A run as stored in Redis by the serve process that started it. */
export interface SharedRunView {
  id: string;
  kind: RunRecord['kind'];
  status: RunStatus;
  createdAt: number;
  finishedAt: number | undefined;
  result: RunResult | undefined;
  error: string | undefined;
  /** Events ever recorded (some may have gone to the stream's cap). */
  events: number;
}

/** Ids of the runs serve processes started and have not finished, by start time (outside any run's hash slot). */
const OPEN_RUNS = 'delm:serve:open';

/** Ids of the finished runs serve processes recorded, by finish time (outside any run's hash slot). */
const FINISHED_RUNS = 'delm:serve:finished';

/** How many finished runs {@link SharedRuns} keeps, and for how long. */
export interface SharedRunsRetention {
  /** Finished runs kept across every serve process on the Redis; the oldest beyond it are dropped. */
  retainRuns: number;
  /** How long a finished run's record, events and keys are kept, ms. */
  retainMs: number;
}

/** How often a reader waiting for a run's result to be recorded looks again, and for how long at most. */
const SETTLE_POLL_MS = 25;
const SETTLE_WAIT_MS = 10_000;

/** The serve processes' shared view of runs, on one connection to Redis. */
export class SharedRuns {
  private readonly writes = new Set<Promise<unknown>>();

  private constructor(
    private readonly client: RedisClient,
    private readonly retention: SharedRunsRetention,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects (INVALID_CONFIG for a URL that is not Redis's, REDIS_UNAVAILABLE when nothing answers). */
  static async open(url: string, retention: SharedRunsRetention, log: (line: string) => void): Promise<SharedRuns> {
    const { client } = await connect({ url });
    return new SharedRuns(client, retention, log);
  }

  private key(id: string): string {
    return `${runPrefix(id)}s:run`;
  }

  /** Runs `write` and keeps it until it settles, so {@link close} waits for it; a failure is logged, not thrown. */
  private track(what: string, id: string, write: () => Promise<unknown>): Promise<void> {
    const done = write().then(
      () => undefined,
      (error: unknown) =>
        this.log(
          `delm serve: could not record ${what} of run ${id} in Redis: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
    this.writes.add(done);
    void done.finally(() => this.writes.delete(done));
    return done;
  }

  /** Records a run this process just started, so every serve process knows it. */
  announce(record: RunRecord): Promise<void> {
    return this.track('the start', record.id, async () => {
      await this.client.hSet(this.key(record.id), { kind: record.kind, createdAt: String(record.createdAt) });
      await this.client.zAdd(OPEN_RUNS, { score: record.createdAt, value: record.id });
    });
  }

  /**
   * Records how a run of this process ended; its record and events expire `retainMs` later, and the
   * oldest finished runs beyond `retainRuns` are dropped (see {@link trim}). A run that never reached
   * a swarm (cancelled while it waited) has its `run.finished` event added here.
   */
  finished(record: RunRecord): Promise<void> {
    return this.track('the end', record.id, async () => {
      const key = this.key(record.id);
      const log = await this.events(record.id);
      const end = record.events.at(-1);
      if (end?.type === 'run.finished' && (await log.last())?.type !== 'run.finished')
        await log.append(end.type, JSON.stringify(end));
      const finishedAt = record.finishedAt ?? Date.now();
      await this.client.hSet(key, {
        status: 'finished',
        finishedAt: String(finishedAt),
        result: record.result ? JSON.stringify(record.result) : '',
        error: record.error ?? '',
      });
      await this.client.pExpire(key, this.retention.retainMs);
      await log.expire(this.retention.retainMs);
      await this.client.zAdd(FINISHED_RUNS, { score: finishedAt, value: record.id });
      await this.client.zRem(OPEN_RUNS, record.id);
      await this.trim(finishedAt);
    });
  }

  /**
   * Drops the finished runs past `retainMs` from the list (their keys have expired), then the oldest
   * beyond `retainRuns`: their record and events are deleted, and the run's other keys (queue, ledger,
   * …) expire at once. Any serve process may trim at the same time as another: each drop is idempotent.
   */
  private async trim(now: number): Promise<void> {
    await this.client.zRemRangeByScore(FINISHED_RUNS, '-inf', `(${now - this.retention.retainMs}`);
    const excess = (await this.client.zRange(FINISHED_RUNS, 0, -(this.retention.retainRuns + 1))).map(String);
    for (const id of excess) {
      // Both keys sit in the run's hash slot: one DEL is Cluster-safe.
      await this.client.del([this.key(id), `${runPrefix(id)}e:stream`]);
      const control = await RedisRunControl.open({ client: this.client }, id);
      await control.expireNow();
      await this.client.zRem(FINISHED_RUNS, id);
    }
  }

  /** The run as recorded, or undefined when no serve process on this Redis knows it (or it expired). */
  async get(id: string): Promise<SharedRunView | undefined> {
    const [kind, createdAt, status, finishedAt, result, error] = await this.client.hmGet(this.key(id), [
      'kind',
      'createdAt',
      'status',
      'finishedAt',
      'result',
      'error',
    ]);
    if (!kind) return undefined;
    const { added } = await (await this.events(id)).size();
    const finished = status === 'finished';
    return {
      id,
      kind: kind === 'chat' ? 'chat' : 'run',
      status: finished ? 'finished' : added > 0 ? 'running' : 'queued',
      createdAt: Number(createdAt),
      finishedAt: finished ? Number(finishedAt) : undefined,
      result: result ? (JSON.parse(result) as RunResult) : undefined,
      error: error || undefined,
      events: added,
    };
  }

  /** Runs serve processes started and have not finished, oldest first (a dead process's runs stay listed). */
  async openRuns(): Promise<string[]> {
    return (await this.client.zRange(OPEN_RUNS, 0, -1)).map(String);
  }

  /**
   * Whether run `id` has begun (its tasks are enqueued), is going (running or finalizing) and has a
   * live process with a verifier (its coordinator, or a standby): a run other processes can help
   * with. A run whose processes all died stays `running` in Redis until `delm resume` picks it up;
   * helping it would only wait for a verifier that is gone.
   */
  isGoing(id: string): Promise<boolean> {
    return RedisRunControl.isGoing({ client: this.client }, id);
  }

  /** Whether the run's end is recorded: undefined when the run is not known (any more). */
  async isFinished(id: string): Promise<boolean | undefined> {
    const [kind, status] = await this.client.hmGet(this.key(id), ['kind', 'status']);
    return kind ? status === 'finished' : undefined;
  }

  /** Resolves once the run's end is recorded (or it is unknown, or after a bounded wait, or on abort). */
  async settled(id: string, signal: AbortSignal): Promise<void> {
    for (const until = Date.now() + SETTLE_WAIT_MS; !signal.aborted && Date.now() < until;) {
      if ((await this.isFinished(id)) !== false) return;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  /** Stops the run for `aborted`, whichever process runs it: its supervisor and agents see the reason stored with the run. */
  async cancel(id: string): Promise<void> {
    const control = await RedisRunControl.open({ client: this.client }, id);
    await control.stop('aborted');
  }

  /** Where the runs are, on this connection (for lookups such as a run's members). */
  get target(): RedisTarget {
    return { client: this.client };
  }

  /** The run's event stream (on this connection; a reader opens its own). */
  events(id: string): Promise<RedisEventLog> {
    return RedisEventLog.open({ client: this.client }, { runId: id });
  }

  /** Waits for the records being written, then closes the connection. */
  async close(): Promise<void> {
    await Promise.all(this.writes);
    await this.client.close().catch(() => undefined);
  }
}
