/**
 * The runs a server knows: live runs, and finished ones kept for `GET /v1/runs/:id` within bounds
 * (a count and a time-to-live), so a long-running server does not grow. Each record keeps its
 * events (capped; `run.finished` always) to replay to late SSE subscribers.
 */
import type { SwarmEvent } from '../runtime/events.js';
import type { RunResult } from '../runtime/run.js';
import type { SwarmRun } from '../runtime/swarm.js';

/** Where a run is in its life. */
export type RunStatus = 'queued' | 'running' | 'finished';

/** A live event (with its sequence number), or `undefined` when the run has finished. */
export type RunListener = (event: SwarmEvent | undefined, seq: number) => void;

/** One run as the server tracks it. */
export interface RunRecord {
  readonly id: string;
  /** Started through `/v1/runs` or `/v1/chat/completions`. */
  readonly kind: 'run' | 'chat';
  readonly createdAt: number;
  status: RunStatus;
  finishedAt: number | undefined;
  /** Events so far, in order (`seq` = index); capped, see `eventsDropped`. */
  readonly events: SwarmEvent[];
  eventsDropped: number;
  result: RunResult | undefined;
  /** Why the run failed without a result (a missing API key, …). */
  error: string | undefined;
  /** The run's handle while it is unfinished (for cancel). */
  run: SwarmRun | undefined;
  /** Settles when the run has finished and its result (or error) is recorded. */
  readonly done: Promise<void>;
  readonly listeners: Set<RunListener>;
}

/** Limits of a {@link RunRegistry}. */
export interface RegistryLimits {
  maxRuns: number;
  ttlMs: number;
  maxEventsPerRun: number;
}

/** Finished runs kept by count and age; unfinished runs are never evicted. */
export class RunRegistry {
  private readonly records = new Map<string, RunRecord>();

  constructor(
    private readonly limits: RegistryLimits,
    private readonly onFinished: (record: RunRecord) => void = () => {},
  ) {}

  /** Starts tracking `run`: collects its events and result. */
  track(kind: RunRecord['kind'], run: SwarmRun): RunRecord {
    let markDone!: () => void;
    const record: RunRecord = {
      id: run.id,
      kind,
      createdAt: Date.now(),
      status: 'queued',
      finishedAt: undefined,
      events: [],
      eventsDropped: 0,
      result: undefined,
      error: undefined,
      run,
      done: new Promise<void>((resolve) => (markDone = resolve)),
      listeners: new Set(),
    };
    this.records.set(run.id, record);
    this.sweep();
    void (async () => {
      let seq = 0;
      for await (const event of run.events) {
        if (record.status === 'queued') record.status = 'running';
        if (record.events.length < this.limits.maxEventsPerRun || event.type === 'run.finished')
          record.events.push(event);
        else record.eventsDropped++;
        for (const listener of record.listeners) listener(event, seq);
        seq++;
      }
      try {
        record.result = await run.result;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
      record.status = 'finished';
      record.finishedAt = Date.now();
      record.run = undefined;
      for (const listener of record.listeners) listener(undefined, seq);
      record.listeners.clear();
      this.onFinished(record);
      markDone();
    })();
    return record;
  }

  /** The record of `id`, if it is still kept. */
  get(id: string): RunRecord | undefined {
    this.sweep();
    return this.records.get(id);
  }

  /** How many runs are kept, and how many of them are unfinished. */
  counts(): { retained: number; unfinished: number } {
    let unfinished = 0;
    for (const r of this.records.values()) if (r.status !== 'finished') unfinished++;
    return { retained: this.records.size, unfinished };
  }

  /** Every unfinished record's settlement. */
  unfinished(): Promise<void>[] {
    return [...this.records.values()].filter((r) => r.status !== 'finished').map((r) => r.done);
  }

  /** Drops finished runs past their time-to-live, then the oldest finished ones over the count limit. */
  sweep(now = Date.now()): void {
    const finished: RunRecord[] = [];
    for (const record of this.records.values()) {
      if (record.finishedAt === undefined) continue;
      if (now - record.finishedAt > this.limits.ttlMs) this.records.delete(record.id);
      else finished.push(record);
    }
    let excess = this.records.size - this.limits.maxRuns;
    if (excess <= 0) return;
    finished.sort((a, b) => a.finishedAt! - b.finishedAt!);
    for (const record of finished) {
      if (excess-- <= 0) break;
      this.records.delete(record.id);
    }
  }

  /** Forgets every record. */
  clear(): void {
    this.records.clear();
  }
}
