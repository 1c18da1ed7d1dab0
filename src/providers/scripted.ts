/**
 * A scripted model for tests and benchmarks: replies from a list or a function of the request, with
 * injectable failures (any thrown error, e.g. a ProviderError 429) and delays. Usage is counted with
 * the real tokenizer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../errors.js';
import { countTokens } from './tokenizer.js';
import { toolTurnText } from './tool-text.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from './types.js';

/** One scripted step: a reply (text, or a value sent as JSON), tool calls, or an error to throw. */
export type ScriptStep =
  | string
  | { json: unknown }
  | { toolCalls: ReadonlyArray<{ name: string; input: unknown }> }
  | { error: Error }
  | { delayMs: number; then: ScriptStep };

/** Script: a list played in order (the last step repeats), or a function of the request and call index. */
export type Script = readonly ScriptStep[] | ((request: CompletionRequest<unknown>, call: number) => ScriptStep);

/** Creates a scripted model with id `scripted` (or `id`). */
export function createScriptedModel(script: Script, id = 'scripted'): LanguageModel & { readonly calls: number } {
  let calls = 0;
  return {
    id,
    get calls() {
      return calls;
    },
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const started = performance.now();
      const call = calls++;
      let step = typeof script === 'function' ? script(request, call) : script[Math.min(call, script.length - 1)]!;
      while (typeof step === 'object' && 'delayMs' in step) {
        try {
          await sleep(step.delayMs, undefined, request.signal ? { signal: request.signal } : {});
        } catch {
          throw new AbortedError('scripted call aborted');
        }
        step = step.then;
      }
      if (typeof step === 'object' && 'error' in step) throw step.error;
      const prompt = `${request.system ?? ''}\n${request.messages.map((m) => m.content).join('\n')}${toolTurnText(request)}`;
      if (typeof step === 'object' && 'toolCalls' in step) {
        const toolCalls = step.toolCalls.map((c, i) => ({ id: `call_${call}_${i}`, name: c.name, input: c.input }));
        const text = JSON.stringify(toolCalls);
        return {
          text: '',
          object: undefined,
          toolCalls,
          usage: { inputTokens: countTokens(prompt), outputTokens: countTokens(text), cachedInputTokens: 0 },
          costUsd: 0,
          latencyMs: performance.now() - started,
          model: id,
        };
      }
      const text = typeof step === 'string' ? step : JSON.stringify(step.json);
      const object = request.schema
        ? request.schema.parse(typeof step === 'string' ? JSON.parse(step) : step.json)
        : undefined;
      return {
        text,
        object,
        usage: { inputTokens: countTokens(prompt), outputTokens: countTokens(text), cachedInputTokens: 0 },
        costUsd: 0,
        latencyMs: performance.now() - started,
        model: id,
      };
    },
  };
}
