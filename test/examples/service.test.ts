import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/service.ts', () => {
  // It starts two swarms of worker threads in a fresh process: seconds on an idle machine, minutes on a
  // busy one. It waits for the process to end on its own (the example closes its pool and exits);
  // the test's timeout is the only guard, and the child is killed with the test.
  it('runs concurrent, streamed, sequential and cancelled runs, sheds load, and exits 0 after closing', async () => {
    const ac = new AbortController();
    onTestFinished(() => ac.abort());
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', 'tsx', 'examples/service.ts'],
          { cwd: root, signal: ac.signal },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
        child.stdin?.end();
      },
    );
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^concurrent: 3 runs, stop reasons answered, answered, answered/m);
    expect(stdout).toMatch(/^streamed: \d+ events \([1-9]\d* commits\), first run\.started, last run\.finished/m);
    expect(stdout.match(/^sequential: .* → answered/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^cancelled: stopReason=aborted$/m);
    expect(stdout).toMatch(/^load shedding: 4 accepted and answered \(4\), 2 rejected with POOL_FULL$/m);
    expect(stdout).toMatch(/^closed: \{"swarms":2,"running":0,"queued":0,"maxQueued":2,"lent":0,"closed":true\}$/m);
  }, 300_000);
});
