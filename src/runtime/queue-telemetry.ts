/**
 * `queue.snapshot` telemetry of a run: the queue as the main thread sees it, emitted after planning
 * and then at most once a second when it changed. Payloads travel only the first time a task appears.
 */
import type { AsyncTaskQueue } from '../queue/types.js';
import { clipText, type TaskBrief, type WorkerEvent } from './events.js';

/** How often at most, how many tasks, how much of a payload. */
const SNAPSHOT_MS = 1_000;
const SNAPSHOT_TASKS = 300;
const SNAPSHOT_PAYLOAD_CHARS = 160;

/** Emits queue snapshots of one run. */
export class QueueTelemetry {
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private readonly payloadSent = new Set<number>();

  constructor(
    private readonly queue: AsyncTaskQueue,
    private readonly emit: (event: WorkerEvent) => void,
  ) {}

  /** Emits one snapshot now (if the queue changed) and then periodically until {@link stop}. */
  /** The snapshot being taken, so that two never overlap (a Redis queue answers in round trips). */
  private taking: Promise<void> | undefined;

  start(): void {
    void this.snapshot();
    this.timer = setInterval(() => void this.snapshot(), SNAPSHOT_MS);
    this.timer.unref();
  }

  /** Ends the periodic snapshots. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Emits a `queue.snapshot` when the queue changed since the last one. */
  async snapshot(): Promise<void> {
    while (this.taking) await this.taking;
    this.taking = this.take().catch(() => undefined);
    await this.taking;
    this.taking = undefined;
  }

  private async take(): Promise<void> {
    const queue = this.queue;
    const stats = await queue.stats();
    const shown = Math.min(stats.total, SNAPSHOT_TASKS);
    const seen = await Promise.all(Array.from({ length: shown }, (_, id) => queue.get(id)));
    const tasks: TaskBrief[] = seen.map((t, id) => ({
      id,
      state: t.state,
      attempts: t.attempts,
      parentId: t.parentId,
    }));
    const signature = JSON.stringify([stats, tasks]);
    if (signature === this.last) return;
    this.last = signature;
    for (const task of tasks) {
      if (this.payloadSent.has(task.id)) continue;
      this.payloadSent.add(task.id);
      task.payload = clipText(seen[task.id]!.payload, SNAPSHOT_PAYLOAD_CHARS);
    }
    this.emit({ type: 'queue.snapshot', stats, tasks, omitted: stats.total - shown });
  }
}
