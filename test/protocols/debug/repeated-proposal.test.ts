/**
 * A model that proposes the same patch again and again, after it was rejected: the agent (or the
 * orchestrator's worker) does not run it again, tells the model it was rejected and why, and after
 * `maxRepeats` identical re-proposals gives up on the test with REPEATED_PROPOSAL, long before the run's
 * wall time. The model is a real OpenAI SDK client of a local wire server that answers every patch
 * request with the same patch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/modes/runner.js';
import type { Mode } from '../../../src/modes/result.js';
import type { SwarmEvent } from '../../../src/runtime/events.js';
import { patchKey } from '../../../src/workloads/debugging/patch.js';
import { REGRESSING_EDITS, writeCalcWorkspace } from '../../workloads/fixtures/calc-workspace.js';
import { openaiReply, startWireServer, type Recorded, type WireServer } from '../../providers/servers/wire-server.js';

/** Leaves `add` failing: the screen refuses it. */
const FAILING = [
  {
    file: 'src/calc.js',
    search: 'export function add(a, b) { return a - b; }',
    replace: 'export function add(a, b) { return a * b; }',
  },
];
/** The debug setting `maxRepeats`'s default. */
const MAX_REPEATS = 3;
const WALL_MS = 60_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'delm-repeat-'));
  await writeCalcWorkspace(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let server: WireServer;
beforeEach(async () => {
  server = await startWireServer();
});
afterEach(() => server.close());

/** The server's answers: always `edits` to a patch request; the orchestrator's manager answers. */
function answerWith(edits: typeof REGRESSING_EDITS) {
  server.otherwise(async (req) =>
    openaiReply(
      JSON.stringify(
        schemaOf(req) === 'orchestrator_review'
          ? { decision: 'answer', answer: 'done' }
          : { edits, idea: 'flip the sign of add', risk: 'low' },
      ),
    ),
  );
}
const schemaOf = (req: Recorded): string | undefined => req.body?.response_format?.json_schema?.name;
const patchRequests = () => server.requests.filter((r) => schemaOf(r) === 'delm_patch_proposal');
const promptOf = (req: Recorded): string => req.body.messages.map((m: { content: string }) => m.content).join('\n');

async function run(mode: Mode, onEvent?: (e: SwarmEvent) => void) {
  const runner = createRunner(mode, {
    agents: 1,
    protocol: 'debug',
    maxRounds: 1,
    model: `openai-compatible:local@${server.url}/v1`,
    budgets: { wallTimeMs: WALL_MS },
  });
  try {
    return await runner.run({ prompt: 'fix', meta: { workspace: dir } }, onEvent ? { onEvent } : {});
  } finally {
    await runner.close();
  }
}

describe('delm: a model that keeps proposing a patch the verifier rejected', () => {
  it('is told it was rejected and why, and the test is given up with REPEATED_PROPOSAL', async () => {
    answerWith(REGRESSING_EDITS);
    const events: SwarmEvent[] = [];
    const result = await run('delm', (e) => events.push(e));
    // Before: it proposed the patch again and again, the verifier running the whole suite each time, until the wall time.
    expect(result.stopReason).not.toBe('wall-time');
    expect(result.wallTimeMs).toBeLessThan(WALL_MS / 2);
    // The patch once, then the repeats; the verifier refused it once and was not asked again.
    expect(patchRequests()).toHaveLength(1 + MAX_REPEATS);
    const refusals = (result.entries ?? []).filter((e) => e.kind === 'failure');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.text).toMatch(/regresses test\/sub\.test\.js > subtracts/);
    // After the first repeat the model is told this exact patch was rejected, and why.
    for (const req of patchRequests().slice(2))
      expect(promptOf(req)).toMatch(
        new RegExp(`this exact patch was rejected before \\(#${refusals[0]!.id}: regresses test/sub\\.test\\.js`),
      );
    const failed = events.filter((e) => e.type === 'task.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      code: 'REPEATED_PROPOSAL',
      reason: expect.stringMatching(/proposed 3 times a patch already rejected \(#\d+: regresses/),
    });
  }, 120_000);
});

describe('delm: a model that keeps proposing a patch that failed its screen', () => {
  it('does not run it again, records the one failure, and gives the test up with REPEATED_PROPOSAL', async () => {
    answerWith(FAILING);
    const events: SwarmEvent[] = [];
    const result = await run('delm', (e) => events.push(e));
    expect(result.stopReason).not.toBe('wall-time');
    expect(result.wallTimeMs).toBeLessThan(WALL_MS / 2);
    // Before: 80 requests (maxAttempts), each screened: the same patch run 80 times.
    expect(patchRequests()).toHaveLength(1 + MAX_REPEATS);
    for (const req of patchRequests().slice(2))
      expect(promptOf(req)).toMatch(/this exact patch was rejected before \(target still fails/);
    // The one real attempt is documented in the ledger.
    const notes = (result.entries ?? []).filter((e) => e.kind === 'FAIL');
    expect(notes).toHaveLength(1);
    const failed = events.filter((e) => e.type === 'task.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'REPEATED_PROPOSAL' });
  }, 120_000);
});

describe('orchestrator: a worker whose model keeps proposing a patch that failed its screen', () => {
  it('stops after maxRepeats repeats and reports why to the manager', async () => {
    answerWith(FAILING);
    const result = await run('orchestrator');
    // Before: 80 requests and 80 screens of the same patch.
    expect(patchRequests()).toHaveLength(1 + MAX_REPEATS);
    const review = server.requests.find((r) => schemaOf(r) === 'orchestrator_review');
    expect(promptOf(review!)).toMatch(/REPEATED_PROPOSAL/);
    expect(result.stopReason).toBe('answered');
  }, 120_000);
});

describe('patchKey', () => {
  it('is the same for the same edits in the same order, whatever the path spelling, and differs otherwise', () => {
    const edit = { file: 'src/calc.js', search: 'a - b', replace: 'a + b' };
    expect(patchKey([edit])).toBe(patchKey([{ ...edit, file: './src/calc.js' }]));
    expect(patchKey([edit])).toBe(patchKey([{ ...edit, file: 'src\\calc.js' }]));
    expect(patchKey([edit])).toMatch(/^[0-9a-f]{16}$/);
    expect(patchKey([edit])).not.toBe(patchKey([{ ...edit, replace: 'a * b' }]));
    const other = { file: 'src/calc.js', search: 'x', replace: 'y' };
    expect(patchKey([edit, other])).not.toBe(patchKey([other, edit]));
  });
});
