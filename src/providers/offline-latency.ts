/**
 * The offline model with simulated LLM latency, as a model module (`{ module, options }` model ref):
 * benchmarks and `--latency` use it so timing and waiting shares reflect model-bound runs.
 */
import { withLatency, type LatencyOptions } from './latency.js';
import { createOfflineModel } from './offline.js';
import type { LanguageModel } from './types.js';

/** Creates the offline model with `options` latency per call and per output token. */
export function createModel(options: LatencyOptions = {}): LanguageModel {
  return withLatency(createOfflineModel(), options);
}
