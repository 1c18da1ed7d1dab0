/** Anthropic Messages through the official SDK; structured output as a forced tool call. */
import type Anthropic from '@anthropic-ai/sdk';
import type { RawRequest, RawResponse } from './resilient.js';

/** How to reach Anthropic. */
export interface AnthropicEndpoint {
  model: string;
  apiKey: string;
  baseURL: string | undefined;
}

/** A raw call for `resilientModel`. The SDK's own retries are off: delm's are the only ones. */
export function anthropicCall(endpoint: AnthropicEndpoint): (request: RawRequest) => Promise<RawResponse> {
  // The SDK loads on first use: a worker whose model is offline or another provider's never pays for it.
  let client: Promise<Anthropic> | undefined;
  const connect = () =>
    (client ??= import('@anthropic-ai/sdk').then(
      ({ default: SDK }) =>
        new SDK({ apiKey: endpoint.apiKey, ...(endpoint.baseURL ? { baseURL: endpoint.baseURL } : {}), maxRetries: 0 }),
    ));
  return async (request) => {
    const structured = request.structured;
    const response = await (
      await connect()
    ).messages.create(
      {
        model: endpoint.model,
        max_tokens: request.maxTokens,
        ...(request.system ? { system: request.system } : {}),
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(structured
          ? {
              tools: [
                {
                  name: structured.name,
                  description: `Reply with the ${structured.name}.`,
                  input_schema: { type: 'object' as const, ...structured.schema },
                },
              ],
              tool_choice: { type: 'tool' as const, name: structured.name },
            }
          : {}),
      },
      { signal: request.signal },
    );
    const toolUse = response.content.find((block) => block.type === 'tool_use');
    const text =
      structured && toolUse
        ? JSON.stringify(toolUse.input)
        : response.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const u = response.usage;
    const cacheRead = u.cache_read_input_tokens ?? 0;
    return {
      text,
      // Anthropic's input_tokens excludes cache reads and writes; delm's inputTokens counts every input token.
      usage: {
        inputTokens: u.input_tokens + cacheRead + (u.cache_creation_input_tokens ?? 0),
        outputTokens: u.output_tokens,
        cachedInputTokens: cacheRead,
      },
    };
  };
}
