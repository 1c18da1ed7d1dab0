import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/otel.ts', () => {
  it('prints a run’s span tree: the run, four agents, the verifier, steps with their model calls, the final decision', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'examples/otel.ts'],
        { cwd: root, timeout: 90_000 },
        (error, stdout) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout }),
      );
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^delm\.run .*stop_reason=answered/m);
    expect(stdout.match(/^ {2}delm\.agent /gm)).toHaveLength(4);
    expect(stdout.match(/^ {2}delm\.verifier /gm)).toHaveLength(1);
    expect(stdout).toMatch(/^ {4}delm\.agent\.step .*\n {6}chat offline .*input_tokens=\d+/m);
    expect(stdout).toMatch(/^ {4}delm\.verify .*verdict=/m);
    expect(stdout).toMatch(/^ {4}delm\.final\.decision .*decision=answer\n {6}chat offline/m);
  }, 120_000);
});
