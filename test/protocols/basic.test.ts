import { describe, expect, it } from 'vitest';
import { protocol } from '../../src/protocols/basic/protocol.js';
import { SharedLedger } from '../../src/ledger/shared-ledger.js';
import type { LanguageModel } from '../../src/providers/types.js';

const model: LanguageModel = { id: 'none', complete: () => Promise.reject(new Error('no model in this test')) };
const task = { taskId: 1, attempt: 1, payload: 'p' };

/** A ledger holding the task and `n` findings `finding 1` … `finding n` (entry ids 1 … n). */
function ledgerWith(n: number) {
  const ledger = SharedLedger.create();
  ledger.append({ kind: 'raw', level: 2, text: 'the task', meta: { role: 'task' } });
  for (let i = 1; i <= n; i++) ledger.append({ kind: 'gist', level: 0, text: `finding ${i}` });
  const io = { agentId: 1, ledger, model, signal: new AbortController().signal };
  return { ledger, io };
}
const ids = (digest: string) => digest.split('\n').map((line) => Number(/^\[#(\d+)\]/.exec(line)?.[1]));

describe('basic protocol: what its index keeps', () => {
  it('digests the newest findings, newest first, however many the ledger holds, and follows new ones', async () => {
    const { ledger, io } = ledgerWith(900);
    const digest = await protocol.readDigest(io, task);
    expect(ids(digest)).toEqual(Array.from({ length: 24 }, (_, i) => 900 - i));
    const final = ids(await protocol.finalDigest(io, 1));
    expect(final).toHaveLength(400);
    expect([final[0], final.at(-1)]).toEqual([900, 501]);
    // Read again with nothing new: the same text. After a new finding: it comes first.
    expect(await protocol.readDigest(io, task)).toBe(digest);
    ledger.append({ kind: 'gist', level: 0, text: 'finding 901' });
    expect(ids(await protocol.readDigest(io, task)).slice(0, 2)).toEqual([901, 900]);
  });

  it('finds a duplicate of any finding, however old, on a view that had only read digests before', async () => {
    const { ledger, io } = ledgerWith(900);
    await protocol.readDigest(io, task); // the view's index is built without the findings' texts
    const check = (text: string) =>
      protocol.check({ ledger, model: undefined, signal: io.signal }, { agentId: 2, taskId: 3, body: { text } });
    await expect(check('finding   1')).resolves.toMatchObject({ verdict: 'duplicate' });
    await expect(check('finding 900')).resolves.toMatchObject({ verdict: 'duplicate' });
    await expect(check('finding 0')).resolves.toMatchObject({ verdict: 'accept' });
    ledger.append({ kind: 'gist', level: 0, text: 'finding 0' });
    await expect(check('finding 0')).resolves.toMatchObject({ verdict: 'duplicate' });
  });
});
