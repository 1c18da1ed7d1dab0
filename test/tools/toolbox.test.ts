import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { loadToolbox } from '../../src/tools/loader.js';
import { ToolsOptionsSchema } from '../../src/tools/options.js';
import { hashText } from '../../src/tools/toolbox.js';
import { createToolbox } from '../../src/tools/loader.js';
import { defineTool } from '../../src/tools/types.js';

const signal = new AbortController().signal;
const fixture = fileURLToPath(new URL('./fixtures/echo-tools.ts', import.meta.url));

describe('Toolbox', () => {
  it('fails a call past its time limit, even when the tool ignores its signal', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 's',
      input: z.object({}),
      execute: () => new Promise<string>((r) => setTimeout(() => r('late'), 2_000)),
    });
    const box = await createToolbox([slow], { limits: { timeoutMs: 50 } });
    const started = Date.now();
    const r = await box.call({ id: '1', name: 'slow', input: {} }, signal);
    expect(r.error?.code).toBe('TOOL_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_500); // the tool would answer at 2 s
  });

  it('caps output on a character boundary and records the verbatim text with its hash', async () => {
    const big = defineTool({ name: 'big', description: 'b', input: z.object({}), execute: () => 'é'.repeat(1_000) });
    const box = await createToolbox([big], { limits: { maxOutputBytes: 301 } });
    const r = await box.call({ id: '1', name: 'big', input: {} }, signal);
    expect(r.truncated).toBe(true);
    expect(r.bytes).toBe(2_000);
    expect(r.text).toBe('é'.repeat(150));
    expect(r.hash).toBe(hashText(r.text));
  });

  it('turns a thrown error into a TOOL_FAILED record and labels each result uniquely', async () => {
    const bad = defineTool({
      name: 'bad',
      description: 'b',
      input: z.object({}),
      execute: () => {
        throw new Error('boom');
      },
    });
    const box = await createToolbox([bad], { labelPrefix: 'R3' });
    const a = await box.call({ id: '1', name: 'bad', input: {} }, signal);
    const b = await box.call({ id: '2', name: 'bad', input: {} }, signal);
    expect(a.error).toEqual({ code: 'TOOL_FAILED', message: 'bad failed: boom' });
    expect([a.label, b.label]).toEqual(['R3.t1', 'R3.t2']);
  });

  it('gives a tool that returns nothing an empty result, and a Node error thrown by a tool the code TOOL_FAILED', async () => {
    const tools = [
      defineTool({ name: 'nothing', description: 'n', input: z.object({}), execute: () => undefined as never }),
      defineTool({
        name: 'missing',
        description: 'm',
        input: z.object({}),
        execute: async () => (await import('node:fs/promises')).readFile('/nonexistent/delm-file', 'utf8'),
      }),
    ];
    const box = await createToolbox(tools);
    const nothing = await box.call({ id: '1', name: 'nothing', input: {} }, signal);
    expect(nothing).toMatchObject({ text: '', bytes: 0, truncated: false });
    expect(nothing.error).toBeUndefined();
    const missing = await box.call({ id: '2', name: 'missing', input: {} }, signal);
    expect(missing.error).toMatchObject({
      code: 'TOOL_FAILED',
      message: expect.stringMatching(/^missing failed: ENOENT/),
    });
  });

  it('loads tools from a module export (an array, or a factory called with options) with their cost', async () => {
    const box = await loadToolbox(
      ToolsOptionsSchema.parse({
        use: [{ module: fixture }, { module: fixture, export: 'createTools', options: { prefix: 'p-' } }],
      }),
      2,
    );
    expect(box.specs().map((s) => s.name)).toEqual(['echo', 'prefixed']);
    const r = await box.call({ id: '1', name: 'echo', input: { text: 'hi' } }, signal);
    expect(r).toMatchObject({ text: '{"echoed":"hi"}', costUsd: 0.25, label: 'R2.t1' });
    expect((await box.call({ id: '2', name: 'prefixed', input: {} }, signal)).text).toBe('p-');
    await expect(
      loadToolbox(ToolsOptionsSchema.parse({ use: [{ module: fixture, export: 'nope' }] }), 0),
    ).rejects.toThrow(/not a tool/);
  });
});
