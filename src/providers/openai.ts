/** OpenAI Chat Completions through the official SDK; also any OpenAI-compatible server by base URL. */
import type OpenAI from 'openai';
import { countTokens } from './tokenizer.js';
import type { RawRequest, RawResponse } from './resilient.js';

/** How to reach an OpenAI(-compatible) endpoint. */
export interface OpenAIEndpoint {
  model: string;
  apiKey: string;
  baseURL: string | undefined;
  /** OpenAI's own API takes `max_completion_tokens`; most compatible servers only know `max_tokens`. */
  compatible: boolean;
}

/** A raw call for `resilientModel`. The SDK's own retries are off: delm's are the only ones. */
export function openaiCall(endpoint: OpenAIEndpoint): (request: RawRequest) => Promise<RawResponse> {
  // The SDK loads on first use: a worker whose model is offline or another provider's never pays for it.
  let client: Promise<OpenAI> | undefined;
  const connect = () =>
    (client ??= import('openai').then(
      ({ default: SDK }) =>
        new SDK({ apiKey: endpoint.apiKey, ...(endpoint.baseURL ? { baseURL: endpoint.baseURL } : {}), maxRetries: 0 }),
    ));
  return async (request) => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
    ];
    const response = await (
      await connect()
    ).chat.completions.create(
      {
        model: endpoint.model,
        messages,
        ...(endpoint.compatible ? { max_tokens: request.maxTokens } : { max_completion_tokens: request.maxTokens }),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.structured
          ? {
              response_format: {
                type: 'json_schema' as const,
                json_schema: { name: request.structured.name, schema: request.structured.schema, strict: false },
              },
            }
          : {}),
      },
      { signal: request.signal },
    );
    const text = response.choices[0]?.message?.content ?? '';
    const prompt = messages
      .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
      .join('\n');
    return {
      text,
      usage: {
        // Servers that report no usage (some local ones) are counted with the tokenizer.
        inputTokens: response.usage?.prompt_tokens ?? countTokens(prompt),
        outputTokens: response.usage?.completion_tokens ?? countTokens(text),
        cachedInputTokens: response.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      },
    };
  };
}
