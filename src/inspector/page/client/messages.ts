/**
 * The stream's messages, read from their JSON text. The server writes them (see `../../wire.ts`);
 * the envelope is still checked so that a broken message is reported instead of breaking the page.
 */
import type { SwarmEvent } from '../../../runtime/events.js';
import type { RunSnapshot, RunSummary } from '../../wire.js';
import type { EventBatch } from './run-store.js';

/** A message the page could not use. */
export class BadMessageError extends Error {
  override readonly name = 'BadMessageError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEvent = (v: unknown): v is SwarmEvent => isObject(v) && typeof v.type === 'string';
const isSummary = (v: unknown): v is RunSummary => isObject(v) && typeof v.id === 'string';

/** The run list of a `runs` message (or of `/api/runs`). */
export function readRuns(value: unknown): RunSummary[] {
  const list = isObject(value) ? value.runs : value;
  if (!Array.isArray(list)) throw new BadMessageError('a run list that is not a list');
  return list.filter(isSummary);
}

/**
 * An `events` message. Events are counted by position in the run's stream, so a batch with
 * something other than an event in it is refused whole (the next batch then finds a gap and the
 * page loads the run again).
 */
export function readBatch(value: unknown): EventBatch {
  if (!isObject(value) || typeof value.runId !== 'string' || !Array.isArray(value.events))
    throw new BadMessageError('an event batch without a run id or events');
  if (!value.events.every(isEvent)) throw new BadMessageError('an event batch with something other than events in it');
  const from = typeof value.from === 'number' && Number.isInteger(value.from) && value.from >= 0 ? value.from : 0;
  const clock = typeof value.clock === 'number' && Number.isFinite(value.clock) ? value.clock : 0;
  return { kind: 'events', runId: value.runId, from, events: value.events, clock };
}

/** A run's events so far. */
export function readSnapshot(value: unknown): RunSnapshot {
  if (!isObject(value) || !isSummary(value.run)) throw new BadMessageError('a run snapshot without its run');
  const events = value.events;
  if (!Array.isArray(events) || !events.every(isEvent))
    throw new BadMessageError('a run snapshot with something other than events in it');
  const clock = typeof value.clock === 'number' && Number.isFinite(value.clock) ? value.clock : 0;
  return { run: value.run, events, clock };
}
