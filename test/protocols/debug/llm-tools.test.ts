// A real LLM's path through the debugging protocol, with tools: the model lists files, reads the
// code, tries its fix with run_tests on a private copy, then answers with the patch — scripted
// over the OpenAI and the Anthropic wire formats, through the real SDKs in the agents' threads.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwarmEvent } from '../../../src/runtime/events.js';
import { createSwarm } from '../../../src/runtime/swarm.js';
import { fixedCounts } from '../../../src/workloads/debugging/report.js';
import { useWireServer, type Recorded, type Reply } from '../../providers/servers/wire-server.js';

const wire = useWireServer();
const BUGGY = 'exports.add = (a, b) => a - b;\nexports.mul = (a, b) => a * b;\n';
const EDITS = [{ file: 'src/calc.js', search: 'a - b', replace: 'a + b' }];
const PATCH = { edits: EDITS, idea: 'add must add, not subtract', risk: 'mul is untouched; only add changes' };
let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'delm-llm-tools-'));
  await mkdir(path.join(workspace, 'src'));
  await mkdir(path.join(workspace, 'test'));
  await writeFile(
    path.join(workspace, 'package.json'),
    JSON.stringify({ name: 'calc', private: true, scripts: { test: 'node --test' } }),
  );
  await writeFile(path.join(workspace, 'src/calc.js'), BUGGY);
  await writeFile(
    path.join(workspace, 'test/calc.test.js'),
    [
      "const test = require('node:test');",
      "const assert = require('node:assert');",
      "const { add, mul } = require('../src/calc.js');",
      "test('adds', () => assert.strictEqual(add(2, 3), 5));",
      "test('multiplies', () => assert.strictEqual(mul(2, 3), 6));",
    ].join('\n'),
  );
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

/** The script: one tool call per turn until run_tests has passed, then the patch. */
const CALLS = [
  { name: 'list_files', input: { path: 'src' } },
  { name: 'read_file', input: { path: 'src/calc.js' } },
  { name: 'run_tests', input: { edits: EDITS } },
];

function openaiTurn(req: Recorded): Reply {
  const messages = req.body.messages as Array<{ role: string }>;
  const done = messages.filter((m) => m.role === 'tool').length;
  const call = CALLS[done];
  const message = call
    ? {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: `call_${done}`,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.input) },
          },
        ],
      }
    : { role: 'assistant', content: JSON.stringify(PATCH) };
  return {
    body: {
      id: `chatcmpl-${done}`,
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4.1-mini',
      choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    },
  };
}

function anthropicTurn(req: Recorded): Reply {
  const messages = req.body.messages as Array<{ role: string; content: unknown }>;
  const done = messages.flatMap((m) =>
    Array.isArray(m.content) ? (m.content as Array<{ type: string }>).filter((b) => b.type === 'tool_result') : [],
  ).length;
  const call = CALLS[done];
  const block = call
    ? { type: 'tool_use', id: `toolu_${done}`, name: call.name, input: call.input }
    : { type: 'tool_use', id: `toolu_${done}`, name: 'delm_patch_proposal', input: PATCH };
  return {
    body: {
      id: `msg_${done}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [block],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 20 },
    },
  };
}

const PROVIDERS = [
  {
    wire: 'OpenAI',
    model: 'openai:gpt-4.1-mini',
    env: () => ({ OPENAI_API_KEY: 'sk-test-1234567890', OPENAI_BASE_URL: `${wire.current.url}/v1` }),
    turn: openaiTurn,
    offered: (req: Recorded) => (req.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name),
  },
  {
    wire: 'Anthropic',
    model: 'anthropic:claude-haiku-4-5',
    env: () => ({ ANTHROPIC_API_KEY: 'sk-ant-test-1234567890', ANTHROPIC_BASE_URL: wire.current.url }),
    turn: anthropicTurn,
    offered: (req: Recorded) => (req.body.tools as Array<{ name: string }>).map((t) => t.name),
  },
];

describe.each(PROVIDERS)('a scripted LLM over the $wire wire format fixes a bug with tools', (provider) => {
  it('lists, reads, tries the fix with run_tests on a private copy, then proposes the patch the verifier admits', async () => {
    const env = provider.env();
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    wire.current.script(...CALLS.map(() => provider.turn), provider.turn);
    const swarm = createSwarm({
      agents: 1,
      protocol: 'debug',
      model: provider.model,
      tools: { use: ['list_files', 'read_file', 'grep'] },
      budgets: { wallTimeMs: 60_000 },
    });
    const events: SwarmEvent[] = [];
    try {
      const result = await swarm.run(
        { prompt: 'Fix the failing tests.', meta: { workspace } },
        { onEvent: (e) => events.push(e) },
      );
      expect(result.stopReason).toBe('answered');
      expect(fixedCounts(result.answer ?? '')).toMatchObject({ fixed: 1, total: 1, regressed: 0 });

      const requests = wire.current.requests;
      expect(requests).toHaveLength(CALLS.length + 1);
      // Offered: the named built-ins over the run's workspace, and the protocol's run_tests.
      expect(provider.offered(requests[0]!)).toEqual(
        expect.arrayContaining(['list_files', 'read_file', 'grep', 'run_tests']),
      );
      const results = events.flatMap((e) => (e.type === 'tool.result' ? [e] : []));
      expect(results.map((r) => [r.tool, r.error?.code])).toEqual(CALLS.map((c) => [c.name, undefined]));
      // run_tests tried the edits on a copy: both tests pass there, and the model was shown so.
      expect(JSON.stringify(requests.at(-1)!.body)).toContain('2 passed, 0 failed, 0 skipped with 1 edit applied');
      expect(JSON.stringify(requests.at(-1)!.body)).toContain('exports.add = (a, b) => a - b;');
      // The admitted fix carries the patch; the real workspace is untouched.
      const fix = result.entries.find((e) => e.kind === 'PATCH_SUMMARY');
      expect(fix?.meta?.patch).toEqual(EDITS);
      expect(await readFile(path.join(workspace, 'src/calc.js'), 'utf8')).toBe(BUGGY);
    } finally {
      await swarm.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 120_000);
});
