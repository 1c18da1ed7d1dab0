/**
 * The runs the page knows, kept in step with the server: a run's events so far are loaded once
 * (`/api/runs/<id>/events`), then the stream's batches are applied on top. Batches that arrive
 * while a run loads wait for it; a batch that overlaps what was applied is trimmed; a batch past a
 * gap (events missed) drops the run so that it is loaded again. Pure: the wall clock is passed in.
 */
import type { SwarmEvent } from '../../../runtime/events.js';
import type { HubMessage, RunSnapshot, RunSummary } from '../../wire.js';
import { advance, runTime, type ClockAnchor } from './clock.js';
import { emptyRun, type MutableRun, type RunModel } from './model.js';
import { applyEvents, type Transition } from './reduce.js';

/** An event batch of the stream. */
export type EventBatch = Extract<HubMessage, { kind: 'events' }>;

/** A run loaded on the page. */
export interface LoadedRun {
  readonly summary: RunSummary;
  /** Updated in place as batches arrive; a reload makes a new one. */
  readonly model: RunModel;
  readonly anchor: ClockAnchor;
}

interface Entry {
  summary: RunSummary;
  model: MutableRun;
  anchor: ClockAnchor;
}

/** What became of a batch. */
export type BatchOutcome =
  | { kind: 'ignored' }
  | { kind: 'buffered' }
  /** Applied: the run's agents changed state as listed. */
  | { kind: 'applied'; transitions: Transition[] }
  /** Events were missed: the run was dropped and must be loaded again. */
  | { kind: 'gap' };

/** The page's runs. */
export class RunStore {
  /** Every run the server tracks, oldest first. */
  summaries: readonly RunSummary[] = [];
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new Map<string, EventBatch[]>();

  constructor(private readonly wallNow: () => number) {}

  /** The run list changed. */
  setSummaries(list: readonly RunSummary[]): void {
    this.summaries = list;
    for (const summary of list) {
      const run = this.loaded.get(summary.id);
      if (run) run.summary = summary;
    }
  }

  /** The newest run, if any. */
  newest(): RunSummary | undefined {
    return this.summaries.at(-1);
  }

  /** A loaded run. */
  get(id: string): LoadedRun | undefined {
    return this.loaded.get(id);
  }

  /** Whether `id` is loaded or being loaded. */
  has(id: string): boolean {
    return this.loaded.has(id) || this.loading.has(id);
  }

  /** Marks `id` as loading; false when it already is (do not fetch twice). */
  beginLoad(id: string): boolean {
    if (this.loading.has(id)) return false;
    this.loading.set(id, []);
    return true;
  }

  /** The load of `id` failed: batches that waited for it are dropped. */
  loadFailed(id: string): void {
    this.loading.delete(id);
  }

  /** The run's events so far arrived: builds it, then applies the batches that waited. */
  loadArrived(id: string, snapshot: RunSnapshot): Transition[] {
    const model = emptyRun();
    applyEvents(model, snapshot.events);
    const waiting = this.loading.get(id) ?? [];
    this.loading.delete(id);
    this.loaded.set(id, { summary: snapshot.run, model, anchor: { clock: snapshot.clock, wall: this.wallNow() } });
    const transitions: Transition[] = [];
    for (const batch of waiting) {
      const outcome = this.receive(batch);
      if (outcome.kind === 'applied') transitions.push(...outcome.transitions);
    }
    return transitions;
  }

  /** A batch from the stream. */
  receive(batch: EventBatch): BatchOutcome {
    const waiting = this.loading.get(batch.runId);
    if (waiting) {
      waiting.push(batch);
      return { kind: 'buffered' };
    }
    const run = this.loaded.get(batch.runId);
    if (!run) return { kind: 'ignored' };
    if (batch.from > run.model.count) {
      this.loaded.delete(batch.runId);
      return { kind: 'gap' };
    }
    const fresh: SwarmEvent[] = batch.events.slice(run.model.count - batch.from);
    const transitions = applyEvents(run.model, fresh);
    run.anchor = advance(run.anchor, run.summary.speed, run.model.finishedAt, batch.clock, this.wallNow());
    return { kind: 'applied', transitions };
  }

  /** The run time of a loaded run now. */
  timeOf(run: LoadedRun): number {
    return runTime(run.anchor, run.summary.speed, run.model.finishedAt, this.wallNow());
  }

  /** Forgets every loaded run (after a reconnect: events may have been missed). */
  clear(): void {
    this.loaded.clear();
  }
}
