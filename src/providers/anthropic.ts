/** Anthropic Messages through the official SDK; structured output as a forced tool call, agent tools as `tool_use` / `tool_result`. */
import type Anthropic from '@anthropic-ai/sdk';
import { emptyReplyError, tokenCount } from './reply.js';
import type { RawRequest, RawResponse } from './resilient.js';
import { countTokens } from './tokenizer.js';
import { sharedClient } from './sdk-clients.js';
import type { ToolTurn } from './types.js';

/** How to reach Anthropic. */
export interface AnthropicEndpoint {
  model: string;
  apiKey: string;
  baseURL: string | undefined;
}

/** A raw call for `resilientModel`. The SDK's own retries are off: delm's are the only ones. */
export function anthropicCall(endpoint: AnthropicEndpoint): (request: RawRequest) => Promise<RawResponse> {
  // The SDK loads on first use: a worker whose model is offline or another provider's never pays for it.
  const connect = () =>
    sharedClient('anthropic', endpoint, (options) =>
      import('@anthropic-ai/sdk').then(({ default: SDK }) => new SDK(options)),
    );
  return async (request) => {
    const structured = request.structured;
    const offered = request.tools ?? [];
    const answerTool = structured
      ? [
          {
            name: structured.name,
            description: `Reply with the ${structured.name}.`,
            input_schema: { type: 'object' as const, ...structured.schema },
          },
        ]
      : [];
    const userTools = offered.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: { type: 'object' as const, ...t.inputSchema },
    }));
    // With tools and a structured answer, the model must call something: a tool, or the answer tool;
    // once it may call no more tools, only the answer tool. Without a structured answer, it may also reply in text.
    const mayCall = offered.length > 0 && request.toolChoice !== 'none';
    const toolChoice = structured
      ? mayCall
        ? { type: 'any' as const }
        : { type: 'tool' as const, name: structured.name }
      : offered.length
        ? { type: mayCall ? ('auto' as const) : ('none' as const) }
        : undefined;
    const tools = [...(offered.length ? userTools : []), ...answerTool];
    const messages: Anthropic.MessageParam[] = [
      ...request.messages.map((m) => ({ role: m.role, content: m.content })),
      ...toolTurnMessages(request.toolTurns ?? []),
      ...(request.after ?? []).map((m) => ({ role: m.role, content: m.content })),
    ];
    const response = await (
      await connect()
    ).messages.create(
      {
        model: endpoint.model,
        max_tokens: request.maxTokens,
        ...(request.system ? { system: request.system } : {}),
        messages,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(tools.length ? { tools } : {}),
        ...(toolChoice ? { tool_choice: toolChoice } : {}),
      },
      { signal: request.signal },
    );
    // Usage a server did not report, or reported as something other than counts, is counted with the tokenizer.
    const u = response.usage as Partial<Anthropic.Usage> | null | undefined;
    const reportedInput = tokenCount(u?.input_tokens);
    const reportedOutput = tokenCount(u?.output_tokens);
    const cacheRead = tokenCount(u?.cache_read_input_tokens) ?? 0;
    const cacheWrite = tokenCount(u?.cache_creation_input_tokens) ?? 0;
    const prompt = () =>
      [
        request.system ?? '',
        ...messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))),
      ].join('\n');
    // Anthropic's input_tokens excludes cache reads and writes; delm's inputTokens counts every input token.
    const inputTokens = reportedInput === undefined ? countTokens(prompt()) : reportedInput + cacheRead + cacheWrite;
    const cachedInputTokens = reportedInput === undefined ? 0 : cacheRead;
    const content = (response as { content?: unknown }).content;
    if (!Array.isArray(content)) {
      const billed = reportedInput !== undefined || reportedOutput !== undefined;
      throw emptyReplyError(
        'anthropic',
        'no content',
        response,
        billed ? { inputTokens, outputTokens: reportedOutput ?? 0, cachedInputTokens } : undefined,
        [endpoint.apiKey],
      );
    }
    const blocks = (content as Array<Anthropic.ContentBlock | null>).filter((b) => b !== null && typeof b === 'object');
    const toolUse = blocks.find((block) => block.type === 'tool_use' && block.name === structured?.name);
    const toolCalls = blocks.flatMap((b) =>
      b.type === 'tool_use' && b.name !== structured?.name && offered.some((t) => t.name === b.name)
        ? [{ id: b.id, name: b.name, input: b.input }]
        : [],
    );
    const text =
      structured && toolUse && toolUse.type === 'tool_use'
        ? JSON.stringify(toolUse.input)
        : blocks.map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
    return {
      text,
      ...(toolCalls.length ? { toolCalls } : {}),
      usage: {
        inputTokens,
        outputTokens: reportedOutput ?? countTokens(text),
        cachedInputTokens,
      },
    };
  };
}

/** Earlier tool rounds as Messages turns: the assistant's `tool_use` blocks, then a user turn of `tool_result` blocks. */
function toolTurnMessages(turns: readonly ToolTurn[]): Anthropic.MessageParam[] {
  return turns.flatMap((turn): Anthropic.MessageParam[] => [
    {
      role: 'assistant',
      content: [
        ...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []),
        ...turn.calls.map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, input: c.input ?? {} })),
      ],
    },
    {
      role: 'user',
      content: turn.results.map((r) => ({
        type: 'tool_result' as const,
        tool_use_id: r.callId,
        content: r.content,
        ...(r.isError ? { is_error: true } : {}),
      })),
    },
  ]);
}
