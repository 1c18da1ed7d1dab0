import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../src/providers/scripted.js';
import type { CompletionRequest } from '../../src/providers/types.js';
import { createToolbox } from '../../src/tools/loader.js';
import { TOOL_USE_NOTE, withToolLoop } from '../../src/tools/loop.js';
import type { ToolRecord } from '../../src/tools/toolbox.js';
import { defineTool } from '../../src/tools/types.js';

const counter = defineTool({
  name: 'count',
  description: 'Returns n + 1.',
  input: z.object({ n: z.number() }),
  execute: ({ n }) => ({ next: n + 1 }),
  costUsd: 0.01,
});

describe('the tool loop of a step', () => {
  it('stops offering tools after maxToolCalls and makes the model answer', async () => {
    const seen: CompletionRequest<unknown>[] = [];
    const model = createScriptedModel((request) => {
      seen.push(request);
      return request.toolChoice === 'none'
        ? { json: { answer: 'done' } }
        : {
            toolCalls: [
              { name: 'count', input: { n: request.toolTurns?.length ?? 0 } },
              { name: 'count', input: { n: 100 } },
            ],
          };
    });
    const box = await createToolbox([counter], { limits: { maxToolCalls: 3 } });
    const records: ToolRecord[] = [];
    let charged = 0;
    const looped = withToolLoop(model, box, {
      hooks: { beforeCall: (_c, cost) => (charged += cost), afterCall: (r) => records.push(r) },
    });
    const result = await looped.complete({
      messages: [{ role: 'user', content: 'go' }],
      schema: z.object({ answer: z.string() }),
      context: { role: 'agent', taskId: 1 },
    });
    expect(result.object).toEqual({ answer: 'done' });
    expect(records.map((r) => r.text)).toEqual(['{"next":1}', '{"next":101}', '{"next":2}']);
    expect(charged).toBeCloseTo(0.03);
    expect(seen.map((r) => r.toolChoice)).toEqual(['auto', 'auto', 'none']);
    // The fourth call asked for was not run: its result tells the model the limit is reached.
    const last = seen[2]!.toolTurns!.at(-1)!;
    expect(last.results[1]).toMatchObject({ isError: true, content: expect.stringMatching(/limit of 3 tool calls/) });
    expect(seen[0]!.tools!.map((t) => t.name)).toEqual(['count']);
    expect(seen[0]!.system).toBe(TOOL_USE_NOTE);
  });

  it('leaves calls of other roles (the finalizer) untouched', async () => {
    const model = createScriptedModel((request) => ({ json: { tools: request.tools?.length ?? 0 } }));
    const looped = withToolLoop(model, await createToolbox([counter]));
    const result = await looped.complete({
      messages: [{ role: 'user', content: 'x' }],
      context: { role: 'finalizer' },
    });
    expect(result.text).toBe('{"tools":0}');
  });

  it('a budget hook that throws ends the step before the tool runs', async () => {
    const model = createScriptedModel([{ toolCalls: [{ name: 'count', input: { n: 1 } }] }]);
    let ran = 0;
    const looped = withToolLoop(model, await createToolbox([counter]), {
      hooks: {
        beforeCall: () => {
          throw new Error('budget spent');
        },
        afterCall: () => ran++,
      },
    });
    await expect(
      looped.complete({ messages: [{ role: 'user', content: 'x' }], context: { role: 'agent' } }),
    ).rejects.toThrow('budget spent');
    expect(ran).toBe(0);
  });
});
