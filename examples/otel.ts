/**
 * OpenTelemetry: register an SDK (here the in-memory exporter, to print the result), run a 4-agent
 * swarm, and print the run's span tree: the run, each agent, its steps and model calls (GenAI
 * attributes), the verifier's judgements, the final decision. In a service you would register your
 * usual SDK and exporter (OTLP, …) instead; delm itself depends only on `@opentelemetry/api`.
 *
 *   npx tsx examples/otel.ts            (needs @opentelemetry/sdk-trace-base, a dev dependency here)
 *
 * It uses the offline model (not an LLM; no key, no network).
 */
import { trace, type Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { createSwarm } from 'delm';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);

const swarm = createSwarm({ agents: 4 });
try {
  const result = await swarm.run({
    prompt: 'Does either licence give a warranty?',
    sources: [
      {
        label: 'MIT',
        text: 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software. The software is provided as is, without warranty of any kind.',
      },
      {
        label: 'Apache',
        text: 'Each contributor grants you a perpetual, worldwide, royalty-free patent license. The work is provided on an as is basis, without warranties or conditions of any kind.',
      },
    ],
  });
  console.log(`run ${result.runId}: ${result.stopReason}, ${result.usage.modelCalls} model calls\n`);
} finally {
  await swarm.close();
}

const spans = exporter.getFinishedSpans();
const children = new Map<string, ReadableSpan[]>();
for (const span of spans) {
  const parent = span.parentSpanContext?.spanId ?? '';
  children.set(parent, [...(children.get(parent) ?? []), span]);
}
const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
const SHOWN = [
  'delm.agent.id',
  'delm.task.id',
  'gen_ai.request.model',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'delm.verdict',
  'delm.final.decision',
  'delm.run.stop_reason',
];
const brief = (a: Attributes) =>
  SHOWN.filter((k) => a[k] !== undefined)
    .map((k) => `${k.split('.').slice(-2).join('.')}=${String(a[k])}`)
    .join(' ');
const print = (span: ReadableSpan, depth: number) => {
  console.log(
    `${'  '.repeat(depth)}${span.name}  ${(ms(span.endTime) - ms(span.startTime)).toFixed(1)} ms  ${brief(span.attributes)}`,
  );
  const mine = (children.get(span.spanContext().spanId) ?? []).sort((a, b) => ms(a.startTime) - ms(b.startTime));
  for (const child of mine) print(child, depth + 1);
};
for (const root of children.get('') ?? []) print(root, 0);
console.log(`\n${spans.length} spans`);
await provider.shutdown();
