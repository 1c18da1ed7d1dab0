/**
 * Replays a recorded trajectory (one SwarmEvent JSON per line, in order, as `delm run` writes to
 * `trajectories/<mode>/<item>.jsonl`) into the inspector, keeping the recorded timing (scaled by
 * `speed`). A file holding several runs is replayed one run after another.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SwarmEvent } from '../runtime/events.js';
import { ReplayFileError } from './errors.js';
import { parseSwarmEvent } from './event-schema.js';
import type { RunObserver } from './hub.js';

/** One run of a trajectory file. */
export interface TrajectoryRun {
  runId: string;
  agents: number;
  events: SwarmEvent[];
}

/** A trajectory file, parsed. */
export interface Trajectory {
  runs: TrajectoryRun[];
  /** Lines that were JSON but not a valid event (at most the first 20 are listed). */
  skipped: Array<{ line: number; problem: string }>;
  skippedCount: number;
}

/** Options of {@link replayTrajectory}. */
export interface ReplayOptions {
  /** Run time per wall-clock ms; default 1. */
  speed?: number;
  signal?: AbortSignal;
  /** Label of the runs in the page (default: the file name). */
  label?: string;
}

/** Parses a trajectory's text; throws {@link ReplayFileError} when it is not JSON lines or holds no event. */
export function parseTrajectory(text: string, file: string): Trajectory {
  const runs: TrajectoryRun[] = [];
  const skipped: Trajectory['skipped'] = [];
  let skippedCount = 0;
  let current: TrajectoryRun | undefined;
  let started = false;
  const fallbackId = path.basename(file).replace(/\.jsonl?$/i, '');
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ReplayFileError(file, 'not JSON: a trajectory has one event object per line', index + 1);
    }
    const parsed = parseSwarmEvent(value);
    if (!parsed.event) {
      skippedCount++;
      if (skipped.length < 20) skipped.push({ line: index + 1, problem: parsed.problem });
      return;
    }
    const event = parsed.event;
    // Planner events come before `run.started`; a second `run.started` begins the next run.
    if (!current || (event.type === 'run.started' && started)) {
      current = { runId: runs.length ? `${fallbackId}#${runs.length + 1}` : fallbackId, agents: 0, events: [] };
      runs.push(current);
      started = false;
    }
    if (event.type === 'run.started') {
      started = true;
      current.runId = event.runId;
      current.agents = event.agents;
    }
    current.events.push(event);
  });
  if (runs.length === 0)
    throw new ReplayFileError(
      file,
      skippedCount
        ? `no valid event (first problem, line ${skipped[0]?.line}: ${skipped[0]?.problem})`
        : 'the file is empty',
    );
  return { runs, skipped, skippedCount };
}

/** Reads and parses a trajectory file. */
export async function readTrajectory(file: string): Promise<Trajectory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReplayFileError(file, `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseTrajectory(text, file);
}

/**
 * Feeds `trajectory`'s runs into `inspector` one after another, each event at its recorded time
 * divided by `speed`. Resolves when every event is delivered, or early when `signal` aborts.
 */
export async function replayTrajectory(
  inspector: RunObserver,
  trajectory: Trajectory,
  options: ReplayOptions = {},
): Promise<void> {
  const speed = options.speed !== undefined && options.speed > 0 ? options.speed : 1;
  for (const run of trajectory.runs) {
    if (options.signal?.aborted) return;
    const observe = inspector.track({
      runId: run.runId,
      label: options.label ? `${options.label} · ${run.runId}` : run.runId,
      agents: run.agents,
      speed,
    });
    const start = performance.now();
    for (const event of run.events) {
      const wait = event.at / speed - (performance.now() - start);
      if (wait > 1) {
        try {
          await sleep(wait, undefined, options.signal ? { signal: options.signal } : {});
        } catch {
          return;
        }
      }
      observe(event);
    }
  }
}
