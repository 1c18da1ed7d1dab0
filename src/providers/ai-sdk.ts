/**
 * Any Vercel AI SDK language model (`LanguageModelV3`, AI SDK 6) as a delm LanguageModel: Gemini,
 * Mistral, Bedrock, Groq, DeepSeek and every other AI SDK provider without a delm provider of their
 * own. The call goes through `resilientModel`, so retries, timeouts, repair and cost are delm's.
 * Only types are imported from `@ai-sdk/provider`: delm does not load the AI SDK itself.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3Prompt,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { InvalidConfigError } from '../errors.js';
import type { PriceTable } from './pricing.js';
import { tokenCount } from './reply.js';
import { resilientModel, type RawRequest, type RawResponse, type RetryOptions } from './resilient.js';
import type { LanguageModel, Usage } from './types.js';

/** Options of {@link fromAiSdk}. */
export interface AiSdkModelOptions {
  /**
   * Model id for records and prices. Default: the provider's name before its first dot, then the
   * model id (`openai.chat` + `gpt-4.1-mini` → `openai:gpt-4.1-mini`, which the price table knows).
   */
  id?: string;
  /**
   * How structured output is asked for: `'json'` (the provider's JSON response format, default) or
   * `'tool'` (one forced tool call whose input is the object: for providers without a JSON mode).
   */
  structuredOutput?: 'json' | 'tool';
  retry?: Partial<RetryOptions>;
  prices?: PriceTable;
  /** Extra per-call options for the provider (`providerOptions` in AI SDK terms). */
  providerOptions?: LanguageModelV3CallOptions['providerOptions'];
  /**
   * Strings no error may show: the provider's key when it does not come from the environment (the
   * values of `*API_KEY`, `*TOKEN` and `*PASSWORD` variables, and `Bearer <token>` shapes, are always
   * redacted).
   */
  secrets?: ReadonlyArray<string>;
}

/** True for an AI SDK 6 language model (`specificationVersion: 'v3'`). */
export function isAiSdkModel(value: unknown): value is LanguageModelV3 {
  const v = value as Partial<LanguageModelV3> | null;
  return typeof v === 'object' && v !== null && v.specificationVersion === 'v3' && typeof v.doGenerate === 'function';
}

/** The model a factory returned, as a delm model: delm models pass through, AI SDK models are wrapped. */
export function asDelmModel(value: unknown, where: string): LanguageModel {
  if (isAiSdkModel(value)) return fromAiSdk(value);
  const v = value as { specificationVersion?: unknown; complete?: unknown } | null;
  if (v?.specificationVersion === 'v2')
    throw new InvalidConfigError(
      `${where} returned an AI SDK 5 model (LanguageModelV2); delm takes AI SDK 6 models (LanguageModelV3): upgrade the provider package`,
    );
  if (typeof v?.complete !== 'function')
    throw new InvalidConfigError(`${where} did not return a LanguageModel or an AI SDK language model`);
  return value as LanguageModel;
}

/** Wraps an AI SDK language model as a delm {@link LanguageModel}. */
export function fromAiSdk(model: LanguageModelV3, options: AiSdkModelOptions = {}): LanguageModel {
  if (!isAiSdkModel(model))
    throw new InvalidConfigError('fromAiSdk expects an AI SDK 6 language model (specificationVersion "v3")');
  const provider = model.provider.split('.')[0] || model.provider;
  const id = options.id ?? `${provider}:${model.modelId}`;
  const mode = options.structuredOutput ?? 'json';
  return resilientModel({
    id,
    provider,
    call: (request) => callAiSdk(model, request, mode, options.providerOptions),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.prices ? { prices: options.prices } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}

/** delm's request as an AI SDK prompt: the system turn, then the chat turns as text parts. */
export function toAiSdkPrompt(request: Pick<RawRequest, 'system' | 'messages'>): LanguageModelV3Prompt {
  return [
    ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
    ...request.messages.map((m) => ({ role: m.role, content: [{ type: 'text' as const, text: m.content }] })),
  ];
}

/** AI SDK usage as delm's (missing counts, and counts that are not finite numbers ≥ 0, are 0; cached tokens are the cache reads). */
export function fromAiSdkUsage(usage: LanguageModelV3Usage): Usage {
  const inputTokens = tokenCount(usage.inputTokens?.total) ?? 0;
  return {
    inputTokens,
    outputTokens: tokenCount(usage.outputTokens?.total) ?? 0,
    cachedInputTokens: Math.min(tokenCount(usage.inputTokens?.cacheRead) ?? 0, inputTokens),
  };
}

async function callAiSdk(
  model: LanguageModelV3,
  request: RawRequest,
  mode: 'json' | 'tool',
  providerOptions: LanguageModelV3CallOptions['providerOptions'],
): Promise<RawResponse> {
  // The schema is shared by every call (see json-schema.ts): a provider of the AI SDK gets a copy of its own.
  const structured = request.structured && {
    ...request.structured,
    schema: structuredClone(request.structured.schema),
  };
  const callOptions: LanguageModelV3CallOptions = {
    prompt: toAiSdkPrompt(request),
    maxOutputTokens: request.maxTokens,
    abortSignal: request.signal,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(providerOptions ? { providerOptions } : {}),
  };
  if (structured && mode === 'json')
    callOptions.responseFormat = { type: 'json', schema: structured.schema, name: structured.name };
  if (structured && mode === 'tool') {
    callOptions.tools = [
      {
        type: 'function',
        name: structured.name,
        description: `Reply with the ${structured.name} object.`,
        inputSchema: structured.schema,
      },
    ];
    callOptions.toolChoice = { type: 'tool', toolName: structured.name };
  }
  let result;
  try {
    result = await model.doGenerate(callOptions);
  } catch (error) {
    throw asStatusError(error);
  }
  return {
    text: replyText(result.content, structured && mode === 'tool' ? structured.name : undefined),
    usage: fromAiSdkUsage(result.usage),
  };
}

/** The reply's text, or, when a tool call was forced, that call's input (the JSON object). */
function replyText(content: LanguageModelV3Content[], tool: string | undefined): string {
  if (tool !== undefined) {
    const call = content.find((c) => c.type === 'tool-call' && c.toolName === tool);
    if (call?.type === 'tool-call') return call.input;
    // A model that answered in text instead of calling the tool goes through the repair round like any bad reply.
  }
  return content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
}

/**
 * AI SDK errors carry `statusCode` and `responseHeaders`; delm's error mapping reads `status` and
 * `headers.get`, so the same retry, rate-limit and key-rejection handling applies.
 */
function asStatusError(error: unknown): unknown {
  const e = error as { statusCode?: unknown; responseHeaders?: Record<string, string> } | null;
  if (typeof e !== 'object' || e === null || typeof e.statusCode !== 'number') return error;
  const headers = e.responseHeaders ?? {};
  return Object.assign(Object.create(Object.getPrototypeOf(e) as object) as object, e, {
    status: e.statusCode,
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    message: (e as { message?: string }).message,
    name: (e as { name?: string }).name,
  });
}
