/** The CLI run in-process, as a test drives it: its exit code and what it printed. */
import { main } from '../../src/cli/main.js';

/** Runs `delm <argv>` in `cwd` (not a TTY; with `env`, default this process's) and collects its output. */
export async function runCli(
  cwd: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    signal: new AbortController().signal,
    isTTY: false,
    cwd,
    env,
  });
  return { code, out, err };
}
