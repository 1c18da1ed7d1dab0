import { generateText, streamText } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { createDelmModel, promptToTask } from '../../src/ai-sdk/delm-model.js';

const sources = [
  {
    label: 'D1',
    text: 'The software is provided as is, without warranty of any kind. The authors are not liable for any claim.',
  },
  { label: 'D2', text: 'Permission is granted to copy and distribute verbatim copies of this licence document.' },
];

describe('a swarm as an AI SDK language model', () => {
  const model = createDelmModel({ agents: 2 });
  afterAll(() => model.close());

  it('runs a swarm through generateText on the offline model and reports the run’s usage', async () => {
    const result = await generateText({
      model,
      prompt: 'Is there a warranty?',
      providerOptions: { delm: { sources } },
    });
    expect(result.text).toMatch(/not an LLM/);
    expect(result.text).toMatch(/D1/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.providerMetadata?.delm).toMatchObject({ stopReason: 'answered', costUsd: 0 });
    expect(result.response.modelId).toBe('swarm');
  }, 60_000);

  it('streams the answer through streamText', async () => {
    const result = streamText({ model, prompt: 'Is there a warranty?', providerOptions: { delm: { sources } } });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toMatch(/not an LLM/);
    expect(await result.finishReason).toBe('stop');
  }, 60_000);

  it('refuses a prompt without user text and bad providerOptions.delm, naming the field', () => {
    expect(() => promptToTask([{ role: 'system', content: 'only a system turn' }], undefined)).toThrow(/user message/);
    expect(() =>
      promptToTask([{ role: 'user', content: [{ type: 'text', text: 'q' }] }], { sources: [{ label: '', text: 'x' }] }),
    ).toThrow(/sources\.0\.label/);
  });

  it('takes the last user message as the task and earlier system and user turns as context', () => {
    const task = promptToTask(
      [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: [{ type: 'text', text: 'first question' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'ignored' }] },
        { role: 'user', content: [{ type: 'text', text: 'the question' }] },
      ],
      { subTasks: [{ payload: 'look' }] },
    );
    expect(task.prompt).toBe(
      'the question\n\nContext from the conversation (earlier turns):\n[system] Answer in one word.\n[user] first question',
    );
    expect(task.subTasks).toEqual([{ payload: 'look' }]);
  });
});
