/**
 * Main side of one run's telemetry: the `delm.run` span (a child of the caller's context, e.g. an
 * incoming request's), the planner's model calls, the replay of the spans workers ship, and the
 * run's metrics. When no tracer provider is registered the run span does not record, workers are
 * told nothing, and the only cost left is the metrics' no-op calls.
 */
import { context as otelContext, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { LanguageModel } from '../providers/types.js';
import { ATTR_ERROR_TYPE, DELM, SPAN } from './attributes.js';
import { recordMetrics, type MetricEvent } from './metrics.js';
import { traceModel } from './model-spans.js';
import { SpanReplay } from './span-replay.js';
import { SpanScope } from './span-scope.js';
import { clockAnchor, isSpanBatch, type WorkerTraceInit } from './span-wire.js';
import { formatTraceparent } from './traceparent.js';
import { TracerBackend } from './tracer-backend.js';

/** Telemetry settings of a swarm. */
export interface TelemetrySettings {
  /** Set false to keep delm's spans and metrics out even when an SDK is registered. */
  enabled: boolean;
  /** Put prompt and completion text on model-call spans (off by default: it may hold personal data). */
  captureContent: boolean;
}

/** What a finished run reports on its span. */
export interface RunOutcome {
  stopReason: string;
  error: string | undefined;
  usage: { inputTokens: number; outputTokens: number; modelCalls: number };
  costUsd: number;
  entries: readonly unknown[];
}

/** The name under which a worker's span batches are replayed (and dropped, once it is abandoned). */
export function workerSource(role: 'agent' | 'verifier', agentId: number): string {
  return `${role}-${agentId}`;
}

/** Telemetry of one run, main side. */
export class RunTelemetry {
  private span: Span | undefined;
  private replay: SpanReplay | undefined;
  private traceInit: WorkerTraceInit | undefined;
  /** Workers the run stopped waiting for before they started (see {@link workerNotStarted}). */
  private readonly abandoned = new Set<string>();
  /** Spans opened on the main thread (the planner's model calls). */
  scope: SpanScope = SpanScope.off;

  constructor(
    private readonly settings: TelemetrySettings,
    /** The caller's context: the run span is its child (`delm serve` passes the request's). */
    private readonly parent: Context = otelContext.active(),
  ) {}

  /** Opens the run span. */
  begin(runId: string, attributes: { agents: number; protocol: string }): void {
    if (!this.settings.enabled) return;
    const tracer = trace.getTracer('delm');
    const span = tracer.startSpan(
      SPAN.RUN,
      { attributes: { [DELM.RUN_ID]: runId, [DELM.AGENTS]: attributes.agents, [DELM.PROTOCOL]: attributes.protocol } },
      this.parent,
    );
    if (!span.isRecording()) return; // no SDK (or not sampled): nothing below records either
    this.span = span;
    this.replay = new SpanReplay(tracer);
    this.scope = new SpanScope(
      new TracerBackend(tracer, trace.setSpan(this.parent, span)),
      this.settings.captureContent,
    );
    this.traceInit = {
      traceparent: formatTraceparent(span.spanContext()),
      captureContent: this.settings.captureContent,
      clock: clockAnchor(),
    };
  }

  /** The run span's context as a W3C `traceparent`, once it began; undefined when untraced. */
  get traceparent(): string | undefined {
    return this.traceInit?.traceparent;
  }

  /** What a worker is started with: the run span's context as a `traceparent`, or nothing when untraced. */
  workerInit(): WorkerTraceInit | undefined {
    return this.traceInit;
  }

  /** A main-thread model with a span per call. */
  traceModel(model: LanguageModel): LanguageModel {
    return traceModel(model, this.scope);
  }

  /** Handles a message from worker `source`'s events port; false when it is not telemetry. */
  receive(source: string, message: unknown): boolean {
    if (!isSpanBatch(message)) return false;
    if (!this.abandoned.has(source)) this.replay?.apply(source, message);
    return true;
  }

  /**
   * The run stopped waiting for a worker that had not started: its span is recorded here, ended at
   * once with status `not-started`, and whatever the worker ships if it starts later is dropped, so
   * the tree has one span per agent whatever the start-up order.
   */
  workerNotStarted(role: 'agent' | 'verifier', agentId: number): void {
    const source = workerSource(role, agentId);
    if (!this.span || this.abandoned.has(source)) return;
    this.abandoned.add(source);
    const handle = this.scope.start(role === 'agent' ? SPAN.AGENT : SPAN.VERIFIER, {
      [DELM.AGENT_ID]: agentId,
      [DELM.AGENT_STATUS]: 'not-started',
    });
    handle.end();
  }

  /** Worker `source` has ended: spans it left open are ended as failed. */
  workerEnded(source: string): void {
    this.replay?.closeSource(source, 'the worker ended before the span did');
  }

  /** Records a run event in the metrics. */
  onEvent(event: MetricEvent): void {
    if (this.settings.enabled) recordMetrics(event);
  }

  /** Closes the run span with the outcome. */
  end(outcome: RunOutcome): void {
    const span = this.span;
    if (!span) return;
    this.span = undefined;
    span.setAttributes({
      [DELM.STOP_REASON]: outcome.stopReason,
      [DELM.ENTRIES]: outcome.entries.length,
      [DELM.MODEL_CALLS]: outcome.usage.modelCalls,
      [DELM.COST_USD]: outcome.costUsd,
      'gen_ai.usage.input_tokens': outcome.usage.inputTokens,
      'gen_ai.usage.output_tokens': outcome.usage.outputTokens,
    });
    if (outcome.stopReason === 'error') {
      span.setAttribute(ATTR_ERROR_TYPE, 'run_error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error ?? 'run failed' });
    }
    span.end();
  }
}
