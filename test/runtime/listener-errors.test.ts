import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/throwing-listener.ts', import.meta.url));
const run = promisify(execFile);

describe('an onEvent listener that throws', () => {
  it('leaves the run as it would be, and its error reaches uncaughtException once, whichever event it threw on', async () => {
    const { stdout } = await run(process.execPath, [tsx, fixture], { cwd: root, encoding: 'utf8', timeout: 90_000 });
    const runs = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { where: string; type: string; stopReason: string; uncaught: string[] });
    expect(runs.map((r) => `${r.where} ${r.type}`)).toEqual([
      'swarm run.started',
      'swarm agent.started',
      'swarm queue.snapshot',
      'swarm task.claimed',
      'swarm commit',
      'swarm run.finished',
      'pool run.finished',
      'orchestrator run.started',
      'orchestrator run.finished',
    ]);
    for (const r of runs) {
      expect(r.stopReason, `${r.where} ${r.type}`).toBe('answered');
      expect(r.uncaught, `${r.where} ${r.type}`).toEqual([`listener bug on ${r.type}`]);
    }
  }, 120_000);
});
