import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SpanScope } from '../../src/telemetry/span-scope.js';
import type { SpanBatch } from '../../src/telemetry/span-wire.js';
import { SpanReplay } from '../../src/telemetry/span-replay.js';
import { SpanRecorder, workerScope } from '../../src/telemetry/worker-spans.js';

const ROOT = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, replay: new SpanReplay(provider.getTracer('test')) };
}

describe('worker spans replayed on the main thread', () => {
  it('keeps the recorded tree, times, attributes and failures', async () => {
    const { exporter, replay } = setup();
    const batches: SpanBatch[] = [];
    const recorder = new SpanRecorder(ROOT, (b) => batches.push(b));
    const scope = new SpanScope(recorder, false);
    await scope.span('outer', { a: 1 }, async () => {
      await scope.span('inner', {}, async (span) => span.setAttributes({ b: 2 }));
      await scope
        .span('failing', {}, async () => Promise.reject(Object.assign(new Error('nope'), { code: 'LEASE_LOST' })))
        .catch(() => undefined);
    });
    recorder.flush();
    for (const b of batches) replay.apply('w1', b);
    const spans = exporter.getFinishedSpans();
    const by = (name: string) => spans.find((s) => s.name === name)!;
    expect(by('outer').parentSpanContext).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    expect(by('inner').parentSpanContext?.spanId).toBe(by('outer').spanContext().spanId);
    expect(by('inner').attributes).toEqual({ b: 2 });
    expect(by('failing').status).toEqual({ code: SpanStatusCode.ERROR, message: 'nope' });
    expect(by('failing').attributes['error.type']).toBe('LEASE_LOST');
    expect(by('outer').attributes).toEqual({ a: 1 });
  });

  it('ends a dead worker’s open spans as failed', () => {
    const { exporter, replay } = setup();
    replay.apply('w2', {
      spans: [
        { op: 'start', id: 1, parent: ROOT, name: 'delm.agent', kind: 'internal', attributes: {}, time: Date.now() },
      ],
    });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    replay.closeSource('w2', 'worker crashed');
    expect(exporter.getFinishedSpans()[0]).toMatchObject({
      name: 'delm.agent',
      status: { code: SpanStatusCode.ERROR, message: 'worker crashed' },
    });
  });
});

describe('worker span times', () => {
  it('are read on the anchoring thread’s clock, not the worker’s own time origin', async () => {
    const batches: SpanBatch[] = [];
    const anchor = { epochMs: 1_000, hrtime: process.hrtime.bigint() };
    const { scope, flush } = workerScope({ traceparent: ROOT, captureContent: false, clock: anchor }, (b) =>
      batches.push(b),
    );
    await scope.span('step', {}, () => new Promise((resolve) => setTimeout(resolve, 20)));
    flush();
    const [start, end] = batches.flatMap((b) => b.spans).map((op) => op.time);
    expect(start).toBeGreaterThanOrEqual(1_000);
    expect(start).toBeLessThan(1_000 + 5_000);
    expect(end! - start!).toBeGreaterThanOrEqual(19);
  });
});
