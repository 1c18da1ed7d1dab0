/** OpenAI Chat Completions through the official SDK; also any OpenAI-compatible server by base URL. */
import type OpenAI from 'openai';
import { emptyReplyError, tokenCount } from './reply.js';
import { countTokens } from './tokenizer.js';
import type { RawRequest, RawResponse } from './resilient.js';
import { sharedClient } from './sdk-clients.js';
import type { ToolTurn } from './types.js';

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
  const connect = () =>
    sharedClient('openai', endpoint, (options) => import('openai').then(({ default: SDK }) => new SDK(options)));
  return async (request) => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...toolTurnMessages(request.toolTurns ?? []),
      ...(request.after ?? []).map((m) => ({ role: m.role, content: m.content })),
    ];
    const tools = request.tools?.length
      ? {
          tools: request.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, description: t.description, parameters: t.inputSchema },
          })),
          tool_choice: request.toolChoice ?? ('auto' as const),
        }
      : {};
    const response = await (
      await connect()
    ).chat.completions.create(
      {
        model: endpoint.model,
        messages,
        ...(endpoint.compatible ? { max_tokens: request.maxTokens } : { max_completion_tokens: request.maxTokens }),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...tools,
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
    const prompt = messages
      .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
      .join('\n');
    // Servers that report no usage (some local ones), or counts that are not numbers, are counted with the tokenizer.
    const reported = response.usage as Partial<OpenAI.CompletionUsage> | null | undefined;
    const inputTokens = tokenCount(reported?.prompt_tokens);
    const outputTokens = tokenCount(reported?.completion_tokens);
    const choices = (response as { choices?: unknown }).choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      const billed = inputTokens !== undefined || outputTokens !== undefined;
      throw emptyReplyError(
        endpoint.compatible ? 'openai-compatible' : 'openai',
        'no choices',
        response,
        billed
          ? { inputTokens: inputTokens ?? countTokens(prompt), outputTokens: outputTokens ?? 0, cachedInputTokens: 0 }
          : undefined,
        [endpoint.apiKey],
      );
    }
    const message = (choices[0] as OpenAI.Chat.ChatCompletion.Choice | null | undefined)?.message;
    const text = typeof message?.content === 'string' ? message.content : '';
    const toolCalls = (Array.isArray(message?.tool_calls) ? message.tool_calls : []).flatMap((c) =>
      c.type === 'function' ? [{ id: c.id, name: c.function.name, input: parseArguments(c.function.arguments) }] : [],
    );
    const input = inputTokens ?? countTokens(prompt);
    return {
      text,
      ...(toolCalls.length ? { toolCalls } : {}),
      usage: {
        inputTokens: input,
        outputTokens: outputTokens ?? countTokens(text),
        // A subset of the input tokens.
        cachedInputTokens: Math.min(tokenCount(reported?.prompt_tokens_details?.cached_tokens) ?? 0, input),
      },
    };
  };
}

/** A tool call's arguments: the JSON object the model wrote, or the raw text when it is not JSON (the tool's schema then refuses it). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Earlier tool rounds as Chat Completions messages: the assistant's `tool_calls`, then one `tool` message per result. */
function toolTurnMessages(turns: readonly ToolTurn[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  return turns.flatMap((turn): OpenAI.Chat.ChatCompletionMessageParam[] => [
    {
      role: 'assistant',
      content: turn.text || null,
      tool_calls: turn.calls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: JSON.stringify(c.input ?? {}) },
      })),
    },
    ...turn.results.map((r) => ({ role: 'tool' as const, tool_call_id: r.callId, content: r.content })),
  ]);
}
