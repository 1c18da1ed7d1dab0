/**
 * The trace context an HTTP request arrives with, so `delm serve` continues the caller's trace: the
 * active context when HTTP instrumentation already opened a server span, else the registered
 * propagator's reading of the headers, else delm's own reading of a W3C `traceparent`.
 */
import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';
import { parseTraceparent } from './traceparent.js';

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The context a run started for this request should be a child of. */
export function incomingTraceContext(headers: IncomingHttpHeaders): Context {
  const active = context.active();
  if (trace.getSpanContext(active)) return active;
  const extracted = propagation.extract(ROOT_CONTEXT, headers, {
    get: (h, key) => h[key],
    keys: (h) => Object.keys(h),
  });
  if (trace.getSpanContext(extracted)) return extracted;
  const remote = parseTraceparent(first(headers.traceparent));
  return remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
}
