import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../src/runtime/events.js';
import { createSwarm, type Swarm } from '../../src/runtime/swarm.js';
import { RunTelemetry } from '../../src/telemetry/run-telemetry.js';
import { metricSum, parentOf, registerTestSdk, type TestSdk } from './otel-sdk.js';

const modelModule = new URL('../runtime/fixtures/scripted-swarm-model.ts', import.meta.url).href;
const subTasks = Array.from({ length: 6 }, (_, i) => ({ payload: `part ${i}` }));

describe('telemetry with no OpenTelemetry SDK registered', () => {
  it('opens no run span and sends workers no trace context', () => {
    const telemetry = new RunTelemetry({ enabled: true, captureContent: false });
    telemetry.begin('run-1', { agents: 4, protocol: 'basic' });
    expect(telemetry.workerInit()).toBeUndefined();
    expect(telemetry.scope.enabled).toBe(false);
  });
});

describe('the span tree of a 4-agent run, through the SDK’s in-memory exporter', () => {
  let sdk: TestSdk;
  let swarm: Swarm;
  beforeAll(() => {
    sdk = registerTestSdk();
    swarm = createSwarm({ agents: 4, protocol: 'basic', model: { module: modelModule } });
  });
  afterAll(async () => {
    await swarm.close();
    await sdk.shutdown();
  });

  it('nests every agent’s steps, model calls, the verifier’s judgements and the final decision under the caller’s span', async () => {
    sdk.spans.reset();
    const request = trace.getTracer('test').startSpan('incoming request');
    const result = await swarm.run(
      { prompt: 'count', subTasks },
      { traceContext: trace.setSpan(ROOT_CONTEXT, request) },
    );
    request.end();
    expect(result.stopReason).toBe('answered');

    const spans = sdk.spans.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentName = (s: ReadableSpan) => byId.get(parentOf(s))?.name;
    // One trace, one root: the caller's span.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(spans.filter((s) => !byId.has(parentOf(s))).map((s) => s.name)).toEqual(['incoming request']);

    const [run] = named('delm.run');
    expect(named('delm.run')).toHaveLength(1);
    expect(parentOf(run!)).toBe(request.spanContext().spanId);
    expect(run!.attributes).toMatchObject({
      'delm.run.id': result.runId,
      'delm.run.agents': 4,
      'delm.run.stop_reason': 'answered',
      'delm.run.model_calls': result.usage.modelCalls,
    });

    const agents = named('delm.agent');
    expect(agents).toHaveLength(4);
    expect(agents.map((a) => a.attributes['delm.agent.id']).sort()).toEqual([1, 2, 3, 4]);
    for (const a of [...agents, ...named('delm.verifier')]) expect(parentOf(a)).toBe(run!.spanContext().spanId);
    expect(named('delm.verifier')).toHaveLength(1);

    const steps = named('delm.agent.step');
    expect(steps).toHaveLength(subTasks.length);
    for (const s of steps) {
      expect(parentName(s)).toBe('delm.agent');
      expect(s.attributes['delm.agent.id']).toBe(byId.get(parentOf(s))!.attributes['delm.agent.id']);
      expect(s.attributes['delm.step.outcome']).toBe('propose');
    }
    expect(new Set(steps.map((s) => s.attributes['delm.task.id'])).size).toBe(subTasks.length);

    const verifications = named('delm.verify');
    expect(verifications).toHaveLength(subTasks.length);
    for (const v of verifications) {
      expect(parentName(v)).toBe('delm.verifier');
      expect(v.attributes).toMatchObject({ 'delm.verdict': 'admitted' });
      expect(typeof v.attributes['delm.verdict.reason']).toBe('string');
    }

    const [decision] = named('delm.final.decision');
    expect(named('delm.final.decision')).toHaveLength(1);
    expect(parentName(decision!)).toBe('delm.agent');
    expect(decision!.attributes).toMatchObject({ 'delm.final.decision': 'answer', 'delm.final.round': 1 });

    // Model calls: GenAI client spans, one per metered call, under a step or the decision.
    const calls = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(calls).toHaveLength(result.usage.modelCalls);
    expect(calls.map(parentName).sort()).toEqual(
      [...Array(subTasks.length).fill('delm.agent.step'), 'delm.final.decision'].sort(),
    );
    for (const c of calls) {
      expect(c.name).toBe('chat scripted');
      expect(c.kind).toBe(2); // CLIENT
      expect(c.attributes).toMatchObject({
        'gen_ai.provider.name': 'scripted',
        'gen_ai.request.model': 'scripted',
        'gen_ai.output.type': 'json',
      });
      expect(c.attributes['gen_ai.input.messages']).toBeUndefined(); // content only on opt-in
    }
    const sum = (key: string) => calls.reduce((n, c) => n + Number(c.attributes[key]), 0);
    expect(sum('gen_ai.usage.input_tokens')).toBe(result.usage.inputTokens);
    expect(sum('gen_ai.usage.output_tokens')).toBe(result.usage.outputTokens);

    // Replayed spans keep their own times: every child lies within its parent.
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    for (const s of spans) {
      const parent = byId.get(parentOf(s));
      if (!parent || parent.spanContext().spanId === request.spanContext().spanId) continue;
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(ms(parent.startTime) - 1);
      expect(ms(s.endTime)).toBeLessThanOrEqual(ms(parent.endTime) + 1);
    }

    const metrics = await sdk.collect();
    expect(metricSum(metrics, 'delm.model.calls')).toBe(result.usage.modelCalls);
    expect(metricSum(metrics, 'gen_ai.client.token.usage', (a) => a['gen_ai.token.type'] === 'input')).toBe(
      result.usage.inputTokens,
    );
    expect(metricSum(metrics, 'gen_ai.client.token.usage', (a) => a['gen_ai.token.type'] === 'output')).toBe(
      result.usage.outputTokens,
    );
    expect(metricSum(metrics, 'delm.ledger.commits', (a) => a['delm.entry.kind'] !== 'answer')).toBe(subTasks.length);
    expect(metricSum(metrics, 'delm.runs', (a) => a['delm.run.stop_reason'] === 'answered')).toBe(1);
  }, 60_000);

  it('records one span for an agent the run answered without, even when it was loading its model by then', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'delm-late-agent-'));
    const loadGate = path.join(dir, 'gate');
    const late = createSwarm({
      agents: 4,
      protocol: 'basic',
      model: {
        module: modelModule,
        export: 'createSlowLoadingModel',
        options: { loadMarker: path.join(dir, 'marker'), loadGate },
      },
    });
    try {
      sdk.spans.reset();
      const result = await late.run({ prompt: 'count', subTasks });
      expect(result.stopReason).toBe('answered');
      // At least the agent held in its model's loading; another may still be starting its thread.
      const notStarted = result.agents.filter((a) => a.status === 'not-started').map((a) => a.agentId);
      expect(notStarted.length).toBeGreaterThanOrEqual(1);
      // The late agent now finishes loading, finds the run over and ends; its thread with it.
      await writeFile(loadGate, '');
      await late.close();
      const agents = sdk.spans.getFinishedSpans().filter((s) => s.name === 'delm.agent');
      expect(agents.map((a) => a.attributes['delm.agent.id']).sort()).toEqual([1, 2, 3, 4]);
      const notStartedSpans = agents.filter((a) => a.attributes['delm.agent.status'] === 'not-started');
      expect(notStartedSpans.map((a) => a.attributes['delm.agent.id']).sort()).toEqual(notStarted.sort());
    } finally {
      await late.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('puts prompt and completion text on model-call spans only when captureContent is set', async () => {
    const capturing = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: { module: modelModule },
      telemetry: { captureContent: true },
    });
    try {
      sdk.spans.reset();
      await capturing.run({ prompt: 'count', subTasks: subTasks.slice(0, 2) });
      const calls = sdk.spans.getFinishedSpans().filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
      expect(calls.length).toBeGreaterThan(0);
      for (const c of calls) {
        const input = JSON.parse(String(c.attributes['gen_ai.input.messages'])) as Array<{
          role: string;
          parts: Array<{ content: string }>;
        }>;
        expect(input[0]!.role).toBe('user');
        expect(String(c.attributes['gen_ai.output.messages'])).toMatch(/finding about|findings/);
      }
    } finally {
      await capturing.close();
    }
  }, 60_000);

  it('traces every tool call as an execute_tool span under its step, a failed call marked as an error', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'delm-tool-spans-'));
    await writeFile(path.join(workspace, 'licence.txt'), 'The software is provided as is.');
    const model = {
      module: new URL('../tools/fixtures/tool-script-model.ts', import.meta.url).href,
      export: 'createTwoReadsModel',
    };
    const tooled = createSwarm({ agents: 1, model, tools: { use: ['read_file'], workspace } });
    try {
      sdk.spans.reset();
      const events: SwarmEvent[] = [];
      await tooled.run(
        { prompt: 'Is there a warranty?', subTasks: [{ payload: 'Read the licence.' }] },
        { onEvent: (e) => events.push(e) },
      );
      const spans = sdk.spans.getFinishedSpans();
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      const tools = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
      const results = events.flatMap((e) => (e.type === 'tool.result' ? [e] : []));
      expect(results).toHaveLength(2);
      expect(tools.map((s) => s.attributes['gen_ai.tool.call.id']).sort()).toEqual(results.map((r) => r.callId).sort());
      for (const span of tools) {
        expect(span.name).toBe('execute_tool read_file');
        expect(byId.get(parentOf(span))?.name).toBe('delm.agent.step');
        expect(span.attributes['delm.task.id']).toBe(results[0]!.taskId);
      }
      const [ok, failed] = [...tools].sort((a, b) => a.status.code - b.status.code);
      expect(ok!.status.code).toBe(SpanStatusCode.UNSET);
      expect(ok!.attributes['delm.tool.bytes']).toBe(results.find((r) => !r.error)!.bytes);
      expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
      expect(failed!.attributes['error.type']).toBe(results.find((r) => r.error)!.error!.code);
    } finally {
      await tooled.close();
      await rm(workspace, { recursive: true, force: true });
    }
  }, 60_000);

  it('records nothing when telemetry is disabled in the options, SDK or not', async () => {
    const quiet = createSwarm({
      agents: 2,
      protocol: 'basic',
      model: { module: modelModule },
      telemetry: { enabled: false },
    });
    try {
      sdk.spans.reset();
      await quiet.run({ prompt: 'count', subTasks: subTasks.slice(0, 2) });
      expect(sdk.spans.getFinishedSpans()).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  }, 60_000);
});
