/**
 * Main side: replays the spans workers recorded through the main thread's tracer, with their own
 * start and end times and their parents made explicit, so they reach whatever exporter the user
 * registered. A worker that ends with spans still open (a crash, a termination) has them ended as
 * failed.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './attributes.js';
import type { SpanBatch } from './span-wire.js';
import { parseTraceparent } from './traceparent.js';

/** Replays worker span batches, keyed by worker. */
export class SpanReplay {
  private readonly open = new Map<string, Span>();
  /** Every span's context by worker and id, so a child can name a parent that already ended. */
  private readonly contexts = new Map<string, SpanContext>();

  constructor(private readonly tracer: Tracer) {}

  /** Replays one batch from worker `source`. */
  apply(source: string, batch: SpanBatch): void {
    for (const op of batch.spans) {
      const key = `${source}:${op.id}`;
      if (op.op === 'start') {
        const span = this.tracer.startSpan(
          op.name,
          {
            kind: op.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
            attributes: op.attributes,
            startTime: op.time,
          },
          this.parent(source, op.parent),
        );
        this.open.set(key, span);
        this.contexts.set(key, span.spanContext());
      } else {
        const span = this.open.get(key);
        if (!span) continue;
        this.open.delete(key);
        span.setAttributes(op.attributes);
        if (op.error) {
          span.setAttribute(ATTR_ERROR_TYPE, op.error.type);
          span.setStatus({ code: SpanStatusCode.ERROR, message: op.error.message });
        }
        span.end(op.time);
      }
    }
  }

  private parent(source: string, parent: number | string): Context {
    if (typeof parent === 'string') {
      const remote = parseTraceparent(parent);
      return remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
    }
    const context = this.contexts.get(`${source}:${parent}`);
    return context ? trace.setSpanContext(ROOT_CONTEXT, context) : ROOT_CONTEXT;
  }

  /** Ends worker `source`'s open spans as failed (`reason`) and forgets its span contexts. */
  closeSource(source: string, reason: string): void {
    const prefix = `${source}:`;
    for (const [key, span] of this.open) {
      if (!key.startsWith(prefix)) continue;
      span.setAttribute(ATTR_ERROR_TYPE, 'worker_ended');
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      span.end();
      this.open.delete(key);
    }
    for (const key of this.contexts.keys()) if (key.startsWith(prefix)) this.contexts.delete(key);
  }
}
