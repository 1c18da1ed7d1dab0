/**
 * A GenAI client span around every model call: operation, provider, model, request settings, token
 * usage and cost; prompt and completion text only when the scope captures content.
 */
import type { Attributes } from '@opentelemetry/api';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  DELM,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OUTPUT_TYPE_VALUE_JSON,
  GEN_AI_OUTPUT_TYPE_VALUE_TEXT,
} from './attributes.js';
import type { SpanScope } from './span-scope.js';

/**
 * Provider and model of a delm model id: `openai:gpt-4.1-mini` → (`openai`, `gpt-4.1-mini`);
 * `openai-compatible:llama@http://…` → (`openai`, `llama`), the server's address left out; `offline`
 * → (`delm.offline`, `offline`).
 */
export function splitModelId(id: string): { provider: string; model: string } {
  const colon = id.indexOf(':');
  if (colon < 0) return { provider: id === 'offline' ? 'delm.offline' : id, model: id };
  const provider = id.slice(0, colon);
  const model = id.slice(colon + 1).split('@')[0]!;
  return { provider: provider === 'openai-compatible' ? 'openai' : provider, model };
}

/** `model` with a span around each call, under the scope's current span. Off: `model` itself. */
export function traceModel(model: LanguageModel, scope: SpanScope): LanguageModel {
  if (!scope.enabled) return model;
  const { provider, model: name } = splitModelId(model.id);
  return {
    id: model.id,
    complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
        [ATTR_GEN_AI_PROVIDER_NAME]: provider,
        [ATTR_GEN_AI_REQUEST_MODEL]: name,
        [ATTR_GEN_AI_OUTPUT_TYPE]: request.schema ? GEN_AI_OUTPUT_TYPE_VALUE_JSON : GEN_AI_OUTPUT_TYPE_VALUE_TEXT,
        ...(request.maxTokens !== undefined ? { [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: request.maxTokens } : {}),
        ...(request.temperature !== undefined ? { [ATTR_GEN_AI_REQUEST_TEMPERATURE]: request.temperature } : {}),
        ...(request.context?.role !== undefined ? { [DELM.ROLE]: request.context.role } : {}),
        ...(request.context?.taskId !== undefined ? { [DELM.TASK_ID]: request.context.taskId } : {}),
      };
      if (scope.captureContent) {
        if (request.system)
          attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify([{ type: 'text', content: request.system }]);
        attributes[ATTR_GEN_AI_INPUT_MESSAGES] = JSON.stringify(
          request.messages.map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] })),
        );
      }
      return scope.span(
        `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${name}`,
        attributes,
        async (span) => {
          const result = await model.complete(request);
          span.setAttributes({
            [ATTR_GEN_AI_RESPONSE_MODEL]: splitModelId(result.model).model,
            [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: result.usage.inputTokens,
            [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: result.usage.outputTokens,
            [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: result.usage.cachedInputTokens,
            [DELM.COST_USD]: result.costUsd,
            ...(scope.captureContent
              ? {
                  [ATTR_GEN_AI_OUTPUT_MESSAGES]: JSON.stringify([
                    { role: 'assistant', parts: [{ type: 'text', content: result.text }], finish_reason: 'stop' },
                  ]),
                }
              : {}),
          });
          return result;
        },
        'client',
      );
    },
  };
}
