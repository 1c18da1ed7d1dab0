/**
 * Turns a {@link ModelRef} into a LanguageModel inside any thread (metering is in `meter.ts`).
 */
import { importModule } from '../internal/import-module.js';
import { InvalidConfigError } from '../errors.js';
import { checkModelCredentials, createModel, parseModelSpec, type PriceTable } from '../providers/index.js';
import { asDelmModel } from '../providers/ai-sdk.js';
import { withPrices } from '../providers/pricing.js';
import { withLatency } from '../providers/latency.js';
import { createOfflineModel } from '../providers/offline.js';
import type { LanguageModel } from '../providers/types.js';
import type { ModelRef } from './options.js';

/**
 * Loads the model a ref names (`prices` override the default table). Model strings and the offline
 * model with simulated latency are built in (the provider SDKs themselves load on a model's first
 * call); module refs call the module's factory export with `options`.
 */
export async function loadModel(ref: ModelRef, prices?: PriceTable): Promise<LanguageModel> {
  if (typeof ref === 'string') return createModel(parseModelSpec(ref), prices ? { prices: withPrices(prices) } : {});
  if ('provider' in ref) {
    const { perCallMs, perOutputTokenMs } = ref.latency ?? {};
    return withLatency(createOfflineModel(), {
      ...(perCallMs !== undefined ? { perCallMs } : {}),
      ...(perOutputTokenMs !== undefined ? { perOutputTokenMs } : {}),
    });
  }
  const mod = await importModule(ref.module);
  const factory = mod[ref.export ?? 'createModel'];
  if (typeof factory !== 'function')
    throw new InvalidConfigError(`model module ${ref.module} has no function export "${ref.export ?? 'createModel'}"`);
  // A module's factory is untyped by nature: what it returns is checked (and an AI SDK model wrapped, inside this worker).
  return asDelmModel(await (factory as (options: unknown) => unknown)(ref.options), `model factory of ${ref.module}`);
}

/** Checks up front (before any worker starts) that a model ref can be used: a known provider and its key present. */
export async function checkModelRef(ref: ModelRef, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (typeof ref !== 'string') return;
  checkModelCredentials(parseModelSpec(ref), env);
}
