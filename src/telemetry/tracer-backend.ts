/** Main side: a span backend over an OpenTelemetry tracer, under a root context (the run's span). */
import { SpanKind, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from './attributes.js';
import type { Kind, SpanBackend, SpanHandle } from './span-scope.js';

/** An OpenTelemetry span behind a {@link SpanHandle}. */
export class OtelSpan implements SpanHandle {
  constructor(readonly span: Span) {}
  setAttributes(attributes: Attributes): void {
    this.span.setAttributes(attributes);
  }
  fail(type: string, message: string): void {
    this.span.setAttribute(ATTR_ERROR_TYPE, type);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  end(): void {
    this.span.end();
  }
}

/** Opens real spans; those without a parent go under `root`. */
export class TracerBackend implements SpanBackend {
  constructor(
    private readonly tracer: Tracer,
    private readonly root: Context,
  ) {}
  open(name: string, kind: Kind, attributes: Attributes, parent: SpanHandle | undefined): SpanHandle {
    const context = parent instanceof OtelSpan ? trace.setSpan(this.root, parent.span) : this.root;
    return new OtelSpan(
      this.tracer.startSpan(
        name,
        { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes },
        context,
      ),
    );
  }
}
