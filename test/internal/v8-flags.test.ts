/**
 * Eager feedback allocation (src/internal/v8-flags.ts), read through V8's own `%DebugPrint`: a function
 * made after the flag has its feedback vector after one call; without it, V8 has not given it one
 * yet. Each case runs in a child process, since the flag is process-wide.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const flags = fileURLToPath(new URL('../../src/internal/v8-flags.ts', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/delm.mjs', import.meta.url));

/**
 * Code that, as the process exits, makes a function, calls it once and prints what V8 holds for it
 * (natives syntax is allowed at run time, so that only code compiled after that may use it).
 */
const probeAtExit = `
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--allow-natives-syntax');
process.on('exit', () => {
  const read = new Function('o', 'return o.x');
  read({ x: 1 });
  new Function('f', '%DebugPrint(f)')(read);
});`;
const preload = `data:text/javascript,${encodeURIComponent(probeAtExit)}`;

/** What V8 says of the probe's function: a feedback vector, or none yet. */
async function feedbackOf(args: string[]): Promise<'vector' | 'none'> {
  const { stdout } = await run(process.execPath, ['--import', preload, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (/feedback vector: No feedback vector/.test(stdout)) return 'none';
  if (/feedback vector: 0x[0-9a-f]+: \[FeedbackVector\]/.test(stdout)) return 'vector';
  throw new Error(`no feedback vector line in %DebugPrint's output:\n${stdout.slice(0, 2000)}`);
}

describe('allocateFeedbackEagerly', () => {
  it('gives a function made afterwards its feedback vector on its first call', async () => {
    const load = `const { allocateFeedbackEagerly } = await import(${JSON.stringify(pathToFileURL(flags).href)});`;
    const script = (code: string) => ['--import', 'tsx', '--input-type=module', '-e', code];
    expect(await feedbackOf(script(load))).toBe('none');
    expect(await feedbackOf(script(`${load} allocateFeedbackEagerly();`))).toBe('vector');
  });

  it('is applied by the CLI before it runs (as `node bin/delm.mjs` starts, tsx registered by the bin itself)', async () => {
    expect(await feedbackOf([bin, '--help'])).toBe('vector');
  });
});
