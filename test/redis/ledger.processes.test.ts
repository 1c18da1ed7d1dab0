// The ledger's writer fencing with real OS processes: a verifier frozen (SIGSTOP) past its lease is
// replaced by a standby, and once thawed (SIGCONT) its appends are refused with FENCED.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisLedger } from '../../src/redis/ledger.js';
import { privateRedisServer, uniqueRunId } from '../helpers/redis-server.js';

const server = privateRedisServer({ beforeAll, afterAll });
const fixture = fileURLToPath(new URL('./fixtures/ledger-writer.ts', import.meta.url));
const children: ChildProcess[] = [];
const ledgers: RedisLedger[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(ledgers.splice(0).map((l) => l.disconnect()));
});

describe('RedisLedger across processes', () => {
  it('fences a verifier that was frozen (SIGSTOP) until a standby took the writer lease', async () => {
    const runId = uniqueRunId('verifier');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, server().url, runId, '400'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
    const { epoch } = (await next()) as { epoch: number };
    process.kill(child.pid!, 'SIGSTOP');
    const ledger = await RedisLedger.open({ url: server().url }, { runId });
    ledgers.push(ledger);
    // The standby retries until the frozen verifier's lease lapses on the server's clock (that a live
    // lease is refused is tested on a manual clock in ledger.test.ts; here the machine's load decides).
    let standby = await ledger.acquireWriter('standby', 400);
    while (!standby) {
      await new Promise((r) => setTimeout(r, 50));
      standby = await ledger.acquireWriter('standby', 400);
    }
    expect(standby.epoch).toBe(epoch + 1);
    await standby.append({ kind: 'FACT', text: 'by the standby' });
    process.kill(child.pid!, 'SIGCONT');
    child.stdin.write('by the deposed verifier\n');
    expect(await next()).toEqual({ error: 'FENCED' });
    expect((await ledger.slice()).map((e) => e.text)).toEqual([`first entry by ${child.pid}`, 'by the standby']);
  });
});
