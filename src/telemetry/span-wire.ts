/**
 * Spans as a worker thread ships them to the main thread, over the run's events port: a worker has
 * no OpenTelemetry SDK, so it records when each span starts and ends and the main thread replays
 * both through the user's tracer. The shapes are plain data (structured-clone safe).
 */
import type { Attributes } from '@opentelemetry/api';
import type { Kind } from './span-scope.js';

/** One step of a span's life. Times are epoch milliseconds (fractional). */
export type SpanOp =
  /** `parent`: the id of a span of the same worker, or the `traceparent` of the run's span. */
  | { op: 'start'; id: number; parent: number | string; name: string; kind: Kind; attributes: Attributes; time: number }
  | {
      op: 'end';
      id: number;
      attributes: Attributes;
      error: { type: string; message: string } | undefined;
      time: number;
    };

/** What a worker posts on its events port for spans (event batches are arrays; this is not). */
export interface SpanBatch {
  spans: SpanOp[];
}

/** True for a span batch (as opposed to an array of run events). */
export function isSpanBatch(message: unknown): message is SpanBatch {
  return typeof message === 'object' && message !== null && Array.isArray((message as SpanBatch).spans);
}

/** What a worker needs to trace its part of a run: the run span's `traceparent`, and the content opt-in. */
export interface WorkerTraceInit {
  traceparent: string;
  captureContent: boolean;
  /**
   * The main thread's clock at one instant, read both ways: epoch ms (as the OpenTelemetry SDK reads
   * it there) and the process-wide monotonic clock. A worker stamps spans from this anchor, so its
   * times and the run span's are on one clock; each thread's own `performance.timeOrigin` is taken
   * at its start and can be off by a millisecond or more, enough for a child to end after its parent.
   */
  clock: ClockAnchor;
}

/** See {@link WorkerTraceInit.clock}. */
export interface ClockAnchor {
  epochMs: number;
  hrtime: bigint;
}

/** The current thread's clock as an anchor. */
export function clockAnchor(): ClockAnchor {
  return { epochMs: performance.timeOrigin + performance.now(), hrtime: process.hrtime.bigint() };
}

/** Epoch milliseconds on the anchoring thread's clock. */
export function anchoredNow(anchor: ClockAnchor): () => number {
  return () => anchor.epochMs + Number(process.hrtime.bigint() - anchor.hrtime) / 1e6;
}
