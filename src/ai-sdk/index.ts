/**
 * `delm/ai-sdk`: the AI SDK adapters, on their own entry point because their types come from
 * `@ai-sdk/provider`, an optional peer dependency that only users of the AI SDK install. `fromAiSdk`
 * wraps an AI SDK language model as a delm model; `createDelmModel` is a swarm as an AI SDK model.
 * Only types come from `@ai-sdk/provider`: delm does not load the AI SDK.
 * @packageDocumentation
 */
export { fromAiSdk, isAiSdkModel, type AiSdkModelOptions } from '../providers/ai-sdk.js';
export {
  createDelmModel,
  promptToTask,
  DelmProviderOptionsSchema,
  type DelmLanguageModel,
  type DelmModelOptions,
} from './delm-model.js';
