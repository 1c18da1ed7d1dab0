/**
 * The inspector's memory: the runs it tracks, each with its events in order and a clock, and the
 * subscribers (the page's SSE streams) that receive new events in small batches.
 */
import type { SwarmEvent } from '../runtime/events.js';
import type { HubMessage, RunProcess, RunSnapshot, RunSummary } from './wire.js';

export type { HubMessage, RunProcess, RunSummary } from './wire.js';

/** What {@link InspectorHub.track} needs to know about a run. */
export interface TrackInfo {
  /** Unique id; a second run tracked under the same id gets a `#2` suffix. */
  runId: string;
  /** Shown in the run list (default: the id). */
  label?: string;
  /** Agents the run starts with (replacements of crashed agents come on top). */
  agents: number;
  /** How fast run time passes per wall-clock ms (replays at `--speed`); default 1. */
  speed?: number;
}

/** Whatever shows runs: takes a run's description, returns the listener for its events (an {@link InspectorHub}, an inspector). */
export interface RunObserver {
  track(info: TrackInfo): (event: SwarmEvent) => void;
  /**
   * Shows the live processes of a run kept in Redis beside the run tracked under `runId`; false when
   * no such run is tracked (yet). Optional: an observer without it shows no processes.
   */
  processes?(runId: string, processes: readonly RunProcess[]): boolean;
}

/** Limits of {@link InspectorHub}. */
export interface HubLimits {
  /** Runs whose events are kept; older runs keep only their summary. Default 20. */
  runsWithEvents?: number;
  /** Events kept per run. Default 200,000. */
  eventsPerRun?: number;
  /** How long events wait to be sent together, ms. Default 40. */
  batchMs?: number;
}

class RunLog {
  readonly events: SwarmEvent[] = [];
  /** Events not yet sent to subscribers, from index `pendingFrom`. */
  pendingFrom = 0;
  /** Its events were dropped to make room for newer runs; later ones are not kept either. */
  evicted = false;
  private origin: number | undefined;
  private finishedAt: number | undefined;

  constructor(
    readonly summary: RunSummary,
    private readonly rate: number,
    /** The run id it was tracked under (`summary.id` may carry a `#2` suffix). */
    readonly trackedAs: string,
  ) {}

  /** Run time now: extrapolated from the last event, frozen once the run finished. */
  clock(): number {
    if (this.finishedAt !== undefined) return this.finishedAt;
    if (this.origin === undefined) return 0;
    return Math.max(0, (Date.now() - this.origin) * this.rate);
  }

  observe(event: SwarmEvent): void {
    const at = Number.isFinite(event.at) ? event.at : 0;
    // The clock never runs behind the events it has seen.
    if (this.origin === undefined || at > this.clock()) this.origin = Date.now() - at / this.rate;
    if (event.type === 'run.finished') this.finishedAt = at;
  }
}

/** Tracks runs and fans their events out to subscribers. */
export class InspectorHub {
  private readonly runs = new Map<string, RunLog>();
  private readonly subscribers = new Set<(message: HubMessage) => void>();
  private order = 0;
  private timer: NodeJS.Timeout | undefined;
  private runsChanged = false;
  private closed = false;
  private readonly limits: Required<HubLimits>;

  constructor(limits: HubLimits = {}) {
    this.limits = {
      runsWithEvents: limits.runsWithEvents ?? 20,
      eventsPerRun: limits.eventsPerRun ?? 200_000,
      batchMs: limits.batchMs ?? 40,
    };
  }

  /** Starts tracking a run; returns the listener to pass as its `onEvent`. */
  track(info: TrackInfo): (event: SwarmEvent) => void {
    let id = info.runId;
    const speed = info.speed !== undefined && info.speed > 0 ? info.speed : 1;
    for (let n = 2; this.runs.has(id); n++) id = `${info.runId}#${n}`;
    const summary: RunSummary = {
      id,
      label: info.label ?? info.runId,
      agents: info.agents,
      speed,
      status: 'running',
      stopReason: undefined,
      events: 0,
      order: ++this.order,
      trackedAt: Date.now(),
      truncated: false,
    };
    const log = new RunLog(summary, speed, info.runId);
    this.runs.set(id, log);
    this.evictOldRuns();
    this.runsChanged = true;
    this.schedule();
    return (event) => this.push(log, event);
  }

  /**
   * The live processes of a run kept in Redis (the newest run tracked under `runId`), shown in its
   * summary; false when no such run is tracked.
   */
  processes(runId: string, processes: readonly RunProcess[]): boolean {
    if (this.closed) return false;
    const log = [...this.runs.values()]
      .filter((r) => r.trackedAs === runId || r.summary.id === runId)
      .sort((a, b) => b.summary.order - a.summary.order)[0];
    if (!log) return false;
    log.summary.processes = processes.map((p) => ({
      id: p.id,
      host: p.host,
      pid: p.pid,
      role: p.role,
      agents: [...p.agents],
      threads: p.threads,
      verifier: p.verifier,
    }));
    this.runsChanged = true;
    this.schedule();
    return true;
  }

  private push(log: RunLog, event: SwarmEvent): void {
    if (this.closed) return;
    log.observe(event);
    if (event.type === 'run.finished') {
      log.summary.status = 'finished';
      log.summary.stopReason = event.stopReason;
      this.runsChanged = true;
    }
    if (log.evicted) {
      this.schedule();
      return;
    }
    if (log.events.length >= this.limits.eventsPerRun && event.type !== 'run.finished') {
      if (!log.summary.truncated) this.runsChanged = true;
      log.summary.truncated = true;
    } else {
      log.events.push(event);
      log.summary.events = log.events.length;
    }
    this.schedule();
  }

  /** Keeps the events of the newest `runsWithEvents` runs only. */
  private evictOldRuns(): void {
    const kept = [...this.runs.values()].filter((r) => !r.evicted);
    for (const old of kept.sort((a, b) => b.summary.order - a.summary.order).slice(this.limits.runsWithEvents)) {
      old.evicted = true;
      old.events.length = 0;
      old.pendingFrom = 0;
      old.summary.events = 0;
      old.summary.truncated = true;
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.flush(), this.limits.batchMs);
    this.timer.unref();
  }

  /** Sends what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.runsChanged) {
      this.runsChanged = false;
      this.broadcast({ kind: 'runs', runs: this.list() });
    }
    for (const log of this.runs.values()) {
      if (log.pendingFrom >= log.events.length) continue;
      const from = log.pendingFrom;
      const events = log.events.slice(from);
      log.pendingFrom = log.events.length;
      this.broadcast({ kind: 'events', runId: log.summary.id, from, events, clock: log.clock() });
    }
  }

  private broadcast(message: HubMessage): void {
    for (const fn of this.subscribers) fn(message);
  }

  /** Every tracked run, oldest first. */
  list(): RunSummary[] {
    return [...this.runs.values()].map((r) => copy(r.summary)).sort((a, b) => a.order - b.order);
  }

  /** A run's kept events so far (every one already sent or about to be), with its clock. */
  snapshot(runId: string): RunSnapshot | undefined {
    const log = this.runs.get(runId);
    if (!log) return undefined;
    return { run: copy(log.summary), events: log.events.slice(), clock: log.clock() };
  }

  /** Calls `fn` with every message from now on; returns the unsubscribe function. */
  subscribe(fn: (message: HubMessage) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Stops batching and forgets subscribers; listeners handed out become no-ops. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.subscribers.clear();
  }
}

/** A summary as handed out: later changes to the hub's do not show through. */
const copy = (summary: RunSummary): RunSummary => ({
  ...summary,
  ...(summary.processes ? { processes: summary.processes.map((p) => ({ ...p, agents: [...p.agents] })) } : {}),
});
