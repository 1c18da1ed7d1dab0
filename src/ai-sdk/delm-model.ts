/**
 * A swarm as an AI SDK language model: `generateText({ model: createDelmModel(options), prompt })`
 * runs a swarm and returns its answer. The last user message is the task; earlier system and user
 * turns are given as context; `providerOptions.delm` carries `sources`, `subTasks` and `meta`.
 * Only types come from `@ai-sdk/provider`: delm does not load the AI SDK.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { z } from 'zod';
import { InvalidConfigError } from '../errors.js';
import { parseConfig } from '../internal/parse.js';
import type { SwarmOptions } from '../runtime/options.js';
import type { RunTask } from '../types.js';
import type { RunResult, StopReason } from '../runtime/run.js';
import { createSwarm, type Swarm } from '../runtime/swarm.js';

/** `providerOptions.delm` of a call: what a run task carries besides the prompt. */
export const DelmProviderOptionsSchema = z
  .object({
    sources: z
      .array(z.object({ label: z.string().min(1), title: z.string().optional(), text: z.string() }).strict())
      .optional(),
    subTasks: z.array(z.object({ payload: z.string(), priority: z.number().int().optional() }).strict()).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A swarm behind the AI SDK's model interface; `close()` ends its worker threads. */
export interface DelmLanguageModel extends LanguageModelV3 {
  close(): Promise<void>;
}

/** Options of {@link createDelmModel}: swarm options, or an existing swarm to run on. */
export type DelmModelOptions = SwarmOptions | { swarm: Swarm };

/**
 * Exposes a swarm as an AI SDK `LanguageModelV3`. The swarm (its worker threads) starts on the first
 * call and is reused; calls run one after another on it.
 */
export function createDelmModel(options: DelmModelOptions = {}): DelmLanguageModel {
  const given = 'swarm' in options ? options.swarm : undefined;
  let swarm: Swarm | undefined = given;
  const get = () => (swarm ??= createSwarm(options as SwarmOptions));
  const run = async (call: LanguageModelV3CallOptions): Promise<{ result: RunResult; warnings: SharedV3Warning[] }> => {
    const task = promptToTask(call.prompt, call.providerOptions?.delm);
    const result = await get().run(task, call.abortSignal ? { signal: call.abortSignal } : {}).result;
    return { result, warnings: unsupported(call) };
  };
  return {
    specificationVersion: 'v3',
    provider: 'delm',
    modelId: 'swarm',
    supportedUrls: {},
    async doGenerate(call): Promise<LanguageModelV3GenerateResult> {
      const { result, warnings } = await run(call);
      return {
        content: result.answer !== undefined ? [{ type: 'text', text: result.answer }] : [],
        finishReason: finishReason(result.stopReason),
        usage: usageOf(result),
        providerMetadata: { delm: metadataOf(result) },
        response: { id: result.runId, modelId: 'swarm', timestamp: new Date() },
        warnings,
      };
    },
    async doStream(call) {
      // A swarm's answer exists only once the final agent decides, so the text comes as one delta.
      const pending = run(call);
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          try {
            const { result, warnings } = await pending;
            controller.enqueue({ type: 'stream-start', warnings });
            controller.enqueue({
              type: 'response-metadata',
              id: result.runId,
              modelId: 'swarm',
              timestamp: new Date(),
            });
            if (result.answer !== undefined) {
              controller.enqueue({ type: 'text-start', id: 'answer' });
              controller.enqueue({ type: 'text-delta', id: 'answer', delta: result.answer });
              controller.enqueue({ type: 'text-end', id: 'answer' });
            }
            controller.enqueue({
              type: 'finish',
              usage: usageOf(result),
              finishReason: finishReason(result.stopReason),
              providerMetadata: { delm: metadataOf(result) },
            });
            controller.close();
          } catch (error) {
            controller.enqueue({ type: 'error', error });
            controller.close();
          }
        },
      });
      return { stream };
    },
    async close() {
      if (!given) await swarm?.close();
    },
  };
}

const textOf = (content: LanguageModelV3Prompt[number]['content']): string =>
  typeof content === 'string' ? content : content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');

/** The run task of an AI SDK prompt: the last user message, earlier system and user turns as context. */
export function promptToTask(prompt: LanguageModelV3Prompt, delm: unknown): RunTask {
  const last = prompt.findLastIndex((m) => m.role === 'user');
  const text = last >= 0 ? textOf(prompt[last]!.content).trim() : '';
  if (!text) throw new InvalidConfigError('a delm model needs a user message with text: the last one is the task');
  const context = prompt
    .slice(0, last)
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map((m) => ({ role: m.role, text: textOf(m.content).trim() }))
    .filter((t) => t.text.length > 0);
  const extra = delm === undefined ? {} : parseConfig(DelmProviderOptionsSchema, delm, 'invalid providerOptions.delm');
  return {
    prompt: context.length
      ? `${text}\n\nContext from the conversation (earlier turns):\n${context.map((t) => `[${t.role}] ${t.text}`).join('\n')}`
      : text,
    ...(extra.sources
      ? {
          sources: extra.sources.map((s) => ({
            label: s.label,
            text: s.text,
            ...(s.title !== undefined ? { title: s.title } : {}),
          })),
        }
      : {}),
    ...(extra.subTasks
      ? {
          subTasks: extra.subTasks.map((t) => ({
            payload: t.payload,
            ...(t.priority !== undefined ? { priority: t.priority } : {}),
          })),
        }
      : {}),
    ...(extra.meta ? { meta: extra.meta } : {}),
  };
}

function finishReason(stop: StopReason): LanguageModelV3FinishReason {
  const unified =
    stop === 'answered'
      ? 'stop'
      : stop === 'budget' || stop === 'wall-time'
        ? 'length'
        : stop === 'error'
          ? 'error'
          : 'other';
  return { unified, raw: stop };
}

function usageOf(result: RunResult): LanguageModelV3Usage {
  const { inputTokens, outputTokens, cachedInputTokens } = result.usage;
  return {
    inputTokens: {
      total: inputTokens,
      noCache: inputTokens - cachedInputTokens,
      cacheRead: cachedInputTokens,
      cacheWrite: undefined,
    },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

function metadataOf(result: RunResult): Record<string, string | number> {
  return {
    runId: result.runId,
    stopReason: result.stopReason,
    costUsd: result.costUsd,
    modelCalls: result.usage.modelCalls,
    entries: result.entries.length,
    wallTimeMs: result.wallTimeMs,
    ...(result.error ? { error: result.error } : {}),
  };
}

/** Call settings a swarm does not use, reported as the AI SDK's warnings instead of silently dropped. */
function unsupported(call: LanguageModelV3CallOptions): SharedV3Warning[] {
  const names = [
    'tools',
    'responseFormat',
    'temperature',
    'topP',
    'topK',
    'maxOutputTokens',
    'stopSequences',
    'seed',
  ] as const;
  return names
    .filter((n) => call[n] !== undefined && !(n === 'responseFormat' && call.responseFormat?.type === 'text'))
    .map((feature) => ({
      type: 'unsupported',
      feature,
      details: 'a delm swarm answers with its own agents and budgets',
    }));
}
