import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModel } from '../../src/providers/index.js';
import type { ToolSpec, ToolTurn } from '../../src/providers/types.js';
import { anthropicReply, openaiReply, useWireServer, type Reply } from './servers/wire-server.js';

const wire = useWireServer();
const Answer = z.object({ answer: z.string() });
const TOOLS: ToolSpec[] = [
  {
    name: 'grep',
    description: 'Search.',
    inputSchema: { type: 'object', properties: { pattern: { type: 'string' } }, required: ['pattern'] },
  },
];
const TURN: ToolTurn = {
  text: '',
  calls: [{ id: 'call_1', name: 'grep', input: { pattern: 'warranty' } }],
  results: [{ callId: 'call_1', name: 'grep', content: 'a.txt:3: no warranty' }],
};

const openai = () =>
  createModel('openai:gpt-4.1-mini', {
    env: { OPENAI_API_KEY: 'sk-test-1234567890', OPENAI_BASE_URL: `${wire.current.url}/v1` },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
const anthropic = () =>
  createModel('anthropic:claude-haiku-4-5', {
    env: { ANTHROPIC_API_KEY: 'sk-ant-test-1234567890', ANTHROPIC_BASE_URL: wire.current.url },
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });

function openaiToolCalls(calls: Array<{ id: string; name: string; arguments: string }>): Reply {
  const reply = openaiReply('');
  const body = reply.body as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
  body.choices[0]!.message = {
    role: 'assistant',
    content: null,
    tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
  };
  body.choices[0]!.finish_reason = 'tool_calls';
  return reply;
}

describe('OpenAI tools and tool_calls through the real SDK', () => {
  it('offers the tools, returns parallel tool calls, and sends earlier calls and results back', async () => {
    wire.current.script(
      openaiToolCalls([
        { id: 'call_a', name: 'grep', arguments: '{"pattern":"patent"}' },
        { id: 'call_b', name: 'grep', arguments: 'not json' },
      ]),
      openaiReply('{"answer":"C"}'),
    );
    const model = openai();
    const first = await model.complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
      tools: TOOLS,
      toolChoice: 'auto',
    });
    expect(first.object).toBeUndefined();
    expect(first.toolCalls).toEqual([
      { id: 'call_a', name: 'grep', input: { pattern: 'patent' } },
      { id: 'call_b', name: 'grep', input: 'not json' },
    ]);
    expect(wire.current.requests[0]!.body).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'grep', description: 'Search.', parameters: TOOLS[0]!.inputSchema } },
      ],
      tool_choice: 'auto',
      response_format: { type: 'json_schema' },
    });

    const second = await model.complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
      tools: TOOLS,
      toolTurns: [TURN],
      toolChoice: 'none',
    });
    expect(second.object).toEqual({ answer: 'C' });
    const body = wire.current.requests[1]!.body;
    expect(body.tool_choice).toBe('none');
    expect(body.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'grep', arguments: '{"pattern":"warranty"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a.txt:3: no warranty' },
    ]);
  });
});

describe('Anthropic tool_use and tool_result through the real SDK', () => {
  it('offers the tools beside the answer tool, returns tool_use calls, and sends tool_result blocks back', async () => {
    wire.current.script(
      anthropicReply({ tool: 'grep', input: { pattern: 'patent' } }),
      anthropicReply({ tool: 'answer', input: { answer: 'C' } }),
    );
    const model = anthropic();
    const first = await model.complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
      tools: TOOLS,
      toolChoice: 'auto',
    });
    expect(first.object).toBeUndefined();
    expect(first.toolCalls).toEqual([{ id: 'toolu_1', name: 'grep', input: { pattern: 'patent' } }]);
    const req1 = wire.current.requests[0]!.body;
    expect(req1.tools.map((t: { name: string }) => t.name)).toEqual(['grep', 'answer']);
    expect(req1.tool_choice).toEqual({ type: 'any' });

    const second = await model.complete({
      messages: [{ role: 'user', content: 'q' }],
      schema: Answer,
      schemaName: 'answer',
      tools: TOOLS,
      toolTurns: [TURN],
      toolChoice: 'none',
    });
    expect(second.object).toEqual({ answer: 'C' });
    expect(second.toolCalls).toBeUndefined();
    const req2 = wire.current.requests[1]!.body;
    expect(req2.tool_choice).toEqual({ type: 'tool', name: 'answer' });
    expect(req2.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'call_1', name: 'grep', input: { pattern: 'warranty' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'a.txt:3: no warranty' }] },
    ]);
  });
});
