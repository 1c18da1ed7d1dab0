/**
 * Turns a {@link ModelRef} into a LanguageModel inside any thread, and meters every call: the run's
 * shared budget is reserved before the call and settled after it, the shared rate limiter is
 * honoured, and a usage event is emitted.
 */
import { pathToFileURL } from 'node:url';
import { DelmError, InvalidConfigError } from '../errors.js';
import type { Budget, RateLimiter } from '../budget/types.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import type { ModelRef } from './options.js';
import type { UsageEvent } from './events.js';

/** USD per million tokens, by model id. */
type Prices = Record<string, { input: number; cachedInput: number; output: number }>;

/** What the runtime needs of the providers module, which it loads lazily (the SDKs are slow to import). */
interface ProvidersModule {
  DEFAULT_PRICES: Prices;
  parseModelSpec(spec: string): unknown;
  createModel(spec: unknown, options?: { prices?: Prices }): LanguageModel;
  checkModelCredentials(spec: unknown, env: NodeJS.ProcessEnv): void;
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const providersUrl = new URL(`../providers/index${ext}`, import.meta.url).href;
const providers = (): Promise<ProvidersModule> => import(providersUrl) as Promise<ProvidersModule>;

/** Loads the model a ref names (`prices` override the default table). Module refs call the module's factory export with `options`. */
export async function loadModel(ref: ModelRef, prices?: Prices): Promise<LanguageModel> {
  if (typeof ref === 'object') {
    const url = ref.module.startsWith('file:') ? ref.module : pathToFileURL(ref.module).href;
    const mod = (await import(url)) as Record<string, unknown>;
    const factory = mod[ref.export ?? 'createModel'];
    if (typeof factory !== 'function') throw new InvalidConfigError(`model module ${ref.module} has no function export "${ref.export ?? 'createModel'}"`);
    const model = (await factory(ref.options)) as LanguageModel;
    if (typeof model?.complete !== 'function') throw new InvalidConfigError(`model factory of ${ref.module} did not return a LanguageModel`);
    return model;
  }
  const p = await providers();
  return p.createModel(p.parseModelSpec(ref), prices ? { prices: { ...p.DEFAULT_PRICES, ...prices } } : {});
}

/** Checks up front (before any worker starts) that a model ref can be used: a known provider and its key present. */
export async function checkModelRef(ref: ModelRef, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (typeof ref === 'object') return;
  const p = await providers();
  p.checkModelCredentials(p.parseModelSpec(ref), env);
}

/** What metering needs from its host. */
export interface MeterOptions {
  agentId: number;
  role: string;
  budget: Budget | undefined;
  rateLimiter: RateLimiter | undefined;
  emit: (event: Omit<UsageEvent, 'at'>) => void;
}

// Before a call its real size is unknown: reserve a generous estimate, then settle with the truth.
const estimateTokens = (request: CompletionRequest<unknown>): number => {
  const chars = (request.system?.length ?? 0) + request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 3) + (request.maxTokens ?? 1_024);
};

/** Wraps a model so every call is budgeted, rate limited and reported. */
export function meterModel(model: LanguageModel, options: MeterOptions): LanguageModel {
  return {
    id: model.id,
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const estimate = estimateTokens(request as CompletionRequest<unknown>);
      const reservation = options.budget?.reserve({ tokens: estimate, modelCalls: 1, costMicroUsd: 1 });
      let result: CompletionResult<T>;
      try {
        await options.rateLimiter?.acquire(estimate, request.signal);
        result = await model.complete(request);
      } catch (error) {
        if (reservation) options.budget!.settle(reservation, { modelCalls: 1 });
        throw error;
      }
      const { inputTokens, outputTokens, cachedInputTokens } = result.usage;
      if (reservation) {
        options.budget!.settle(reservation, { tokens: inputTokens + outputTokens, modelCalls: 1, costMicroUsd: Math.round(result.costUsd * 1e6) });
      }
      options.emit({
        type: 'usage',
        agentId: options.agentId,
        role: request.context?.role ?? options.role,
        model: result.model,
        taskId: request.context?.taskId,
        inputTokens,
        outputTokens,
        cachedInputTokens,
        costUsd: result.costUsd,
        latencyMs: result.latencyMs,
      });
      return result;
    },
  };
}

/** Loads a protocol module's export (default export name `protocol`). */
export async function loadExport<T>(module: string, name: string): Promise<T> {
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const value = mod[name];
  if (value === undefined) throw new DelmError('INVALID_CONFIG', `module ${module} has no export "${name}"`);
  return value as T;
}
