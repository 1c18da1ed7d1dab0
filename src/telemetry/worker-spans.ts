/**
 * Worker side: a span backend that records span starts and ends and posts them, batched per turn
 * of the event loop, to the main thread (see `span-replay.ts`). Spans with no parent in this worker
 * hang under the run's span, named by the `traceparent` the worker was started with.
 */
import type { Attributes } from '@opentelemetry/api';
import { parseTraceparent, formatTraceparent } from './traceparent.js';
import { SpanScope, type Kind, type SpanBackend, type SpanHandle } from './span-scope.js';
import { anchoredNow, type SpanBatch, type SpanOp, type WorkerTraceInit } from './span-wire.js';

const threadNow = () => performance.timeOrigin + performance.now();

class RecordedSpan implements SpanHandle {
  private attributes: Attributes = {};
  private error: { type: string; message: string } | undefined;
  private ended = false;
  constructor(
    readonly id: number,
    private readonly push: (op: SpanOp) => void,
    private readonly now: () => number,
  ) {}
  setAttributes(attributes: Attributes): void {
    Object.assign(this.attributes, attributes);
  }
  fail(type: string, message: string): void {
    this.error = { type, message };
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.push({ op: 'end', id: this.id, attributes: this.attributes, error: this.error, time: this.now() });
  }
}

/** Records spans and posts them as {@link SpanBatch}es. */
export class SpanRecorder implements SpanBackend {
  private next = 0;
  private batch: SpanOp[] = [];

  constructor(
    private readonly root: string,
    private readonly post: (batch: SpanBatch) => void,
    /** Epoch ms; the main thread's clock through its anchor in a real run. */
    private readonly now: () => number = threadNow,
  ) {}

  open(name: string, kind: Kind, attributes: Attributes, parent: SpanHandle | undefined): SpanHandle {
    const id = ++this.next;
    this.push({
      op: 'start',
      id,
      parent: parent instanceof RecordedSpan ? parent.id : this.root,
      name,
      kind,
      attributes,
      time: this.now(),
    });
    return new RecordedSpan(id, (op) => this.push(op), this.now);
  }

  private push(op: SpanOp): void {
    if (this.batch.push(op) === 1) setImmediate(() => this.flush());
  }

  /** Posts what is recorded so far (also called before the worker closes its port). */
  flush(): void {
    if (this.batch.length === 0) return;
    const spans = this.batch;
    this.batch = [];
    this.post({ spans });
  }
}

/** The span scope of a worker: recording when its run is traced, off otherwise. */
export function workerScope(
  init: WorkerTraceInit | undefined,
  post: (batch: SpanBatch) => void,
): { scope: SpanScope; flush: () => void } {
  // The run's span context, rebuilt from the traceparent it was sent as; malformed means untraced.
  const parent = parseTraceparent(init?.traceparent);
  if (!init || !parent) return { scope: SpanScope.off, flush: () => undefined };
  const recorder = new SpanRecorder(formatTraceparent(parent), post, anchoredNow(init.clock));
  return { scope: new SpanScope(recorder, init.captureContent), flush: () => recorder.flush() };
}
