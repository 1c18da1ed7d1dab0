// The OpenTelemetry SDK as an application would register it, with in-memory exporters for tests.
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

export interface TestSdk {
  spans: InMemorySpanExporter;
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

/** Registers a tracer and a meter provider globally; `shutdown` unregisters both. */
export function registerTestSdk(): TestSdk {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    collect: async () => (await reader.collect()).resourceMetrics,
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
    },
  };
}

/** Sum of a counter or of a histogram's values, over every attribute set. */
export function metricSum(
  resource: ResourceMetrics,
  name: string,
  filter: (attributes: Record<string, unknown>) => boolean = () => true,
): number {
  let total = 0;
  for (const scope of resource.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as Array<{
        attributes: Record<string, unknown>;
        value: number | { sum?: number };
      }>) {
        if (!filter(point.attributes)) continue;
        total += typeof point.value === 'number' ? point.value : (point.value.sum ?? 0);
      }
    }
  }
  return total;
}

/** The parent span id of a finished span ('' for a root). */
export const parentOf = (span: ReadableSpan): string => span.parentSpanContext?.spanId ?? '';
