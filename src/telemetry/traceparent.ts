/**
 * W3C Trace Context `traceparent` (version 00) as text, to hand a span context to a worker thread
 * (or another process) with its run. Its own small codec, because a worker has no SDK registered
 * and `@opentelemetry/api`'s global propagator is a no-op there. Types only from the API: every
 * worker thread imports this, and loading the API's ~40 modules there would buy two constants.
 */
import type { SpanContext } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** The W3C `sampled` flag (`TraceFlags.SAMPLED`), the only flag version 00 defines. */
const SAMPLED = 0x01;
const ALL_ZEROS = /^0+$/;

/** `00-<trace id>-<span id>-<flags>` of a span context. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The remote span context a `traceparent` names, or `undefined` when it is malformed or all zeros. */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const m = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const context: SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: parseInt(m[3]!, 16) & SAMPLED,
    isRemote: true,
  };
  // All-zero ids are the invalid ones (what `isSpanContextValid` checks beyond the pattern above).
  return ALL_ZEROS.test(context.traceId) || ALL_ZEROS.test(context.spanId) ? undefined : context;
}
