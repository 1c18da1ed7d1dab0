/** The model of one thread of a run: loaded from its ref, given a timeout if it is custom, and metered. */
import type { LanguageModel } from '../providers/types.js';
import { withCallTimeout } from './call-timeout.js';
import { meterModel, type MeterOptions } from './meter.js';
import { loadModel } from './model-loader.js';
import type { ModelRef, ResolvedSwarmOptions } from './options.js';
import { extend } from '../internal/extend.js';

/** Loads `ref` for a run thread; custom models get the per-call timeout the built-in providers have. */
export async function loadRunModel(
  ref: ModelRef,
  prices: ResolvedSwarmOptions['prices'],
  meter: Omit<MeterOptions, 'prices'>,
): Promise<LanguageModel> {
  const raw = await loadModel(ref, prices);
  const timed = typeof ref === 'object' && 'module' in ref ? withCallTimeout(raw, ref.timeoutMs) : raw;
  return meterModel(timed, extend(meter, { prices }));
}
