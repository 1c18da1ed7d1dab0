/**
 * Evidence checks off the single writer: the agent runs the DeLM protocol's deterministic checks
 * before sending (`precheck`), and the verifier's `check` uses that only where it can confirm it. A
 * forged pre-check — sources that are not the ledger's, or a pass over a quote the source does not
 * contain — gets the proposal nothing: the verifier runs the full checks and rejects it.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SharedLedger } from '../../../src/ledger/shared-ledger.js';
import { registerProtocolSkills } from '../../../src/protocols/delm/offline/register.js';
import { protocol } from '../../../src/protocols/delm/protocol.js';
import type { Precheck } from '../../../src/protocols/kit/precheck.js';
import type { ProposalEnvelope, RunTask } from '../../../src/protocols/kit/protocol.js';
import { createOfflineModel } from '../../../src/providers/offline.js';

const D1 =
  'The Apache License grants to each recipient a perpetual, worldwide, royalty-free patent license to make and use the Work. Contributors may offer support for a fee of 30 dollars. Redistribution must keep every notice.';
const task: RunTask = {
  prompt: 'Which licence grants a patent license to recipients?',
  sources: [{ label: 'D1', text: D1 }],
  subTasks: [{ payload: 'Read D1.' }],
};
const signal = new AbortController().signal;
const model = createOfflineModel();

const gist = (text: string, quote: string, source = 'D1') => ({
  kind: 'gist',
  text,
  quotes: [{ source, text: quote }],
  labels: [source],
});
const good = gist(
  'The Apache License grants recipients a perpetual royalty-free patent license.',
  'grants to each recipient a perpetual, worldwide, royalty-free patent license',
);
const fabricated = gist(
  'The Apache License revokes patent licenses of recipients.',
  'revokes the patent license of each recipient',
);

describe('DeLM evidence pre-checks', () => {
  beforeAll(() => registerProtocolSkills());
  let ledger: SharedLedger;
  beforeEach(async () => {
    ledger = SharedLedger.create();
    await protocol.plan(task, { ledger, model, signal });
  });

  const envelope = (body: unknown): ProposalEnvelope => ({ agentId: 1, taskId: 1, body });
  /** What the proposing agent attaches, computed in (here: as) its thread. */
  const precheckOf = (body: unknown) =>
    protocol.precheck!({ agentId: 1, ledger, model, signal }, envelope(body)) as Precheck;
  const check = (body: unknown, precheck?: unknown) =>
    protocol.check({ ledger, model: undefined, signal }, { ...envelope(body), ...(precheck ? { precheck } : {}) });

  it('records the outcome, the identity of each source read and where each quote occurs', () => {
    const honest = precheckOf(good);
    const d1 = ledger.slice().find((e) => e.meta?.label === 'D1')!;
    expect(honest).toEqual({
      pass: true,
      sources: { D1: `#${d1.id}:${d1.hash}` },
      quotes: [['D1', good.quotes[0]!.text, D1.indexOf('grants to each')]],
    });
    expect(precheckOf(fabricated)).toMatchObject({ pass: false, quotes: [['D1', fabricated.quotes[0]!.text, -1]] });
  });

  it('accepts an honest pre-check without searching the sources, with the verdict the full checks give', async () => {
    const withPrecheck = await check(good, precheckOf(good));
    const without = await check(good);
    expect(withPrecheck).toMatchObject({ verdict: 'accept', prechecked: true });
    expect(without).toMatchObject({ verdict: 'accept', prechecked: false });
    expect(withPrecheck.entry).toEqual(without.entry);
  });

  it('rejects a forged pass over a quote the source does not contain, whatever offset it claims', async () => {
    const honestIds = precheckOf(good).sources;
    for (const at of [0, D1.indexOf('grants to each'), 10_000]) {
      const forged: Precheck = { pass: true, sources: honestIds, quotes: [['D1', fabricated.quotes[0]!.text, at]] };
      const verdict = await check(fabricated, forged);
      expect(verdict).toMatchObject({ verdict: 'reject' });
      expect(verdict.reason).toMatch(/does not occur verbatim/);
    }
  });

  it('runs the full checks when the pre-check read other sources (a wrong hash), and rejects what they reject', async () => {
    const wrongHash: Precheck = {
      pass: true,
      sources: { D1: '#1:12345' },
      quotes: [['D1', fabricated.quotes[0]!.text, 0]],
    };
    expect(await check(fabricated, wrongHash)).toMatchObject({ verdict: 'reject' });
    // An honest proposal with a stale pre-check is still judged on its merits, by the full checks.
    expect(await check(good, { ...precheckOf(good), sources: { D1: '#1:12345' } })).toMatchObject({
      verdict: 'accept',
      prechecked: false,
    });
  });

  it('ignores a malformed pre-check, one that claims no sources, and one that failed', async () => {
    expect(await check(fabricated, { pass: true })).toMatchObject({ verdict: 'reject' });
    expect(await check(fabricated, { pass: true, sources: {}, quotes: [] })).toMatchObject({ verdict: 'reject' });
    // A failed pre-check is no evidence either way: the verifier judges the proposal itself.
    expect(await check(good, { ...precheckOf(good), pass: false })).toMatchObject({ verdict: 'accept' });
  });

  it('still rejects a passing pre-check over a quote that is an instruction or a placeholder', async () => {
    const placeholder = gist('The Apache License grants something.', '...');
    const forged: Precheck = { pass: true, sources: precheckOf(good).sources, quotes: [['D1', '...', 0]] };
    expect(await check(placeholder, forged)).toMatchObject({ verdict: 'reject' });
  });
});
