/**
 * `GET /v1/runs/:id/events` on `delm serve --redis`: the run's events read from its event stream in
 * Redis, whichever serve process runs it. Each SSE message's `id` is the stream entry id, so a client
 * reconnecting to any serve process with `Last-Event-ID` gets exactly the events after that one
 * (those still kept: the stream is capped). The response ends after `run.finished`, once the run's
 * result is recorded (a `GET` after the end sees it finished).
 */
import type { ServerResponse } from 'node:http';
import type { StoredEvent } from '../redis/event-log.js';
import type { SharedRuns } from './shared-runs.js';
import { openSse } from './sse.js';

/** How long one blocking read waits before the stream looks whether the run ended without events. */
const BLOCK_MS = 1_000;

/** Whether `id` is a stream entry id (`<ms>-<seq>`), as a `Last-Event-ID` from this server is. */
export function isStreamId(id: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(id);
}

/** The stream id to resume after: a `Last-Event-ID` that is a stream id, else from the start. */
export function resumeAfter(lastEventId: string | string[] | undefined): string {
  const id = String(lastEventId ?? '').trim();
  return isStreamId(id) ? id : '0-0';
}

/** Streams run `id`'s events after `after` to `res` until the run ends or the client goes. */
export async function streamSharedEvents(
  res: ServerResponse,
  shared: SharedRuns,
  id: string,
  after: string,
  heartbeatMs: number,
): Promise<void> {
  const sse = openSse(res, heartbeatMs);
  if (res.writableEnded) return; // HEAD: the headers were the answer
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const log = await shared.events(id);
  let last = after;
  let finished = false;
  const send = (events: StoredEvent[]) => {
    for (const event of events) {
      sse.send(event.data, { id: event.id, event: event.type });
      last = event.id;
      finished ||= event.type === 'run.finished';
    }
  };
  try {
    for await (const batch of log.follow(after, { signal: gone.signal, blockMs: BLOCK_MS })) {
      send(batch);
      if (finished) break;
      if (batch.length > 0) continue;
      // Nothing came for a while: the run may have ended without run.finished (it failed before it
      // began), or its record expired.
      const ended = await shared.isFinished(id);
      if (ended === false) continue;
      send(await log.after(last)); // what was appended between the read and the look
      if (!finished && ended) {
        const view = await shared.get(id);
        if (view?.error !== undefined)
          sse.send({ error: { message: view.error, type: 'server_error', code: 'run_failed' } }, { event: 'error' });
      }
      break;
    }
    if (finished) await shared.settled(id, gone.signal);
  } catch (error) {
    if (!gone.signal.aborted)
      sse.send(
        {
          error: {
            message: `reading the run's events from Redis failed: ${error instanceof Error ? error.message : String(error)}`,
            type: 'server_error',
            code: 'redis_unavailable',
          },
        },
        { event: 'error' },
      );
  } finally {
    gone.abort();
    sse.end();
  }
}
