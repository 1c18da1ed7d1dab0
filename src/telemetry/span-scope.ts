/**
 * What instrumented code sees on either side of the thread boundary: start a span as a child of the
 * current one and run code inside it. The backend differs: the main thread's writes OpenTelemetry
 * spans; a worker's records them for the main thread (see `worker-spans.ts`). Disabled, a scope
 * only calls the function.
 *
 * A scope belongs to one sequential actor (an agent's machine, the verifier's, a run's planner), so
 * the current span is a plain field saved and restored around each span, not an AsyncLocalStorage:
 * that would turn on promise hooks in every worker, which costs every await in the thread.
 */
import type { Attributes } from '@opentelemetry/api';

/** An open span, whichever thread it lives on. */
export interface SpanHandle {
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed with `type` (an error code or class name) and a message. */
  fail(type: string, message: string): void;
  end(): void;
}

/** Span kinds a backend must know (OpenTelemetry's INTERNAL and CLIENT). */
export type Kind = 'internal' | 'client';

/** Opens spans; `parent` undefined means the backend's root (the run). */
export interface SpanBackend {
  open(name: string, kind: Kind, attributes: Attributes, parent: SpanHandle | undefined): SpanHandle;
}

const NOOP: SpanHandle = { setAttributes: () => undefined, fail: () => undefined, end: () => undefined };

/** Spans of one thread's part of a run, nested by async context. */
export class SpanScope {
  /** A scope that records nothing and costs one function call. */
  static readonly off = new SpanScope(undefined, false);
  private current: SpanHandle | undefined;
  /** The parent of spans opened outside any other (a worker's agent span); the backend's root when unset. */
  private root: SpanHandle | undefined;

  constructor(
    private readonly backend: SpanBackend | undefined,
    /** Prompt and completion text go on spans only when the user opted in. */
    readonly captureContent: boolean,
  ) {}

  get enabled(): boolean {
    return this.backend !== undefined;
  }

  /** Opens a span under the current one (or the root) without entering it. */
  start(name: string, attributes: Attributes = {}, kind: Kind = 'internal'): SpanHandle {
    return this.backend ? this.backend.open(name, kind, attributes, this.current ?? this.root) : NOOP;
  }

  /** Makes `span` the parent of every span opened outside another from now on. */
  setRoot(span: SpanHandle): void {
    this.root = span;
  }

  /** Runs `fn` inside a new span; a thrown error marks the span failed and is rethrown. */
  async span<T>(
    name: string,
    attributes: Attributes,
    fn: (span: SpanHandle) => Promise<T>,
    kind: Kind = 'internal',
  ): Promise<T> {
    if (!this.backend) return fn(NOOP);
    const span = this.start(name, attributes, kind);
    const outer = this.current;
    this.current = span;
    try {
      return await fn(span);
    } catch (error) {
      const e = error as { code?: unknown; name?: unknown; message?: unknown };
      span.fail(
        typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error',
        typeof e?.message === 'string' ? e.message : String(error),
      );
      throw error;
    } finally {
      this.current = outer;
      span.end();
    }
  }
}
