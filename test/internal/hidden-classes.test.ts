/**
 * Objects built per proposal, per model call and per verdict share one hidden class per shape (see
 * src/internal/extend.ts): built with a leading spread and new keys, each would get a map of its own on
 * V8 11 (Node 20), and each read of them a megamorphic lookup. Checked with V8's own `%HaveSameMap`.
 */
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { extend } from '../../src/internal/extend.js';
import { SharedLedger } from '../../src/ledger/shared-ledger.js';
import { protocol as basic } from '../../src/protocols/basic/protocol.js';
import type { ProposalEnvelope } from '../../src/protocols/kit/protocol.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../../src/providers/types.js';
import { withCallTimeout } from '../../src/runtime/call-timeout.js';
import { decodeProposal, encodeProposal } from '../../src/runtime/proposal-frame.js';

setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- V8's intrinsic is only reachable from code compiled after the flag
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** Whether every object `make(i)` builds, i = 0 … 49, shares the first one's hidden class. */
async function oneHiddenClass(make: (i: number) => object | Promise<object>): Promise<boolean> {
  const first = await make(0);
  for (let i = 1; i < 50; i++) if (!haveSameMap(first, await make(i))) return false;
  return true;
}

const envelope = (i: number): ProposalEnvelope => ({ agentId: 1, taskId: i + 1, body: { text: `finding ${i}` } });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hidden classes of per-proposal objects', () => {
  it('extend builds one shape however often it is called, new keys or not', async () => {
    const base = { agentId: 1, taskId: 2, body: {} };
    expect(await oneHiddenClass((i) => extend(base, { sentAt: i }))).toBe(true);
    expect(await oneHiddenClass((i) => extend(base, { body: { i }, raw: 'text', sentAt: i }))).toBe(true);
  });

  it('frames a proposal (its text raw, or plain) with one envelope shape, stamped or not', async () => {
    const framed: object[] = [];
    const stringify = JSON.stringify.bind(JSON);
    vi.spyOn(JSON, 'stringify').mockImplementation((value: unknown) => {
      if (typeof value === 'object' && value !== null) framed.push(value);
      return stringify(value);
    });
    for (const sentAt of [undefined, 12.5]) {
      framed.length = 0;
      for (let i = 0; i < 50; i++) encodeProposal(envelope(i), sentAt);
      expect(framed).toHaveLength(50);
      expect(await oneHiddenClass((i) => framed[i]!)).toBe(true);
      framed.length = 0;
      for (let i = 0; i < 50; i++) encodeProposal({ agentId: 1, taskId: i + 1, body: { n: i } }, sentAt);
      expect(await oneHiddenClass((i) => framed[i]!)).toBe(true);
    }
  });

  it('decodes stamped proposals into one shape', async () => {
    expect(await oneHiddenClass((i) => decodeProposal(encodeProposal(envelope(i), 100 + i)))).toBe(true);
  });

  it("hands a model one request shape per call, whatever the caller's request", async () => {
    const seen: object[] = [];
    const model: LanguageModel = {
      id: 'probe',
      complete: <T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> => {
        seen.push(request);
        return Promise.resolve({
          text: '',
          object: undefined,
          usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
          costUsd: 0,
          latencyMs: 0,
          model: 'probe',
        });
      },
    };
    const timed = withCallTimeout(model, 10_000);
    // Without a signal of its own: the wrapper adds the key.
    for (let i = 0; i < 50; i++) await timed.complete({ messages: [{ role: 'user', content: `m${i}` }] });
    expect(await oneHiddenClass((i) => seen[i]!)).toBe(true);
  });

  it("writes the basic protocol's verdict entries in one shape each", async () => {
    const ledger = SharedLedger.create();
    ledger.append({ kind: 'raw', level: 2, text: 'the task', meta: { role: 'task' } });
    ledger.append({ kind: 'raw', level: 2, text: 'the sky is blue', meta: { label: 'S1' } });
    const check = async (body: unknown, i: number) =>
      (
        await basic.check(
          { ledger, model: undefined, signal: new AbortController().signal },
          { agentId: 2, taskId: i, body },
        )
      ).entry!;
    const quote = { source: 'S1', text: 'the sky is blue' };
    expect(await oneHiddenClass((i) => check({ text: `finding ${i}`, quotes: [quote] }, i))).toBe(true);
    expect(await oneHiddenClass((i) => check({ text: `finding ${i}` }, i))).toBe(true);
    expect(
      await oneHiddenClass((i) => check({ text: `finding ${i}`, quotes: [{ source: 'S1', text: `no ${i}` }] }, i)),
    ).toBe(true);
  });
});
