/**
 * The `delm` command line: dispatches to the sub-commands in `commands/`. Bad arguments print the
 * command's usage and exit 2; a failed command exits 1; SIGINT/SIGTERM abort the command's work and
 * exit 130.
 */
import { readFileSync } from 'node:fs';
import { DelmError } from '../errors.js';
import { EXIT, UsageError, type CliIO } from './command.js';
import { COMMANDS, SUMMARIES } from './commands/index.js';

function usage(): string {
  const width = Math.max(...Object.keys(SUMMARIES).map((n) => n.length));
  return `Usage: delm <command> [options]

Commands:
${Object.entries(SUMMARIES)
  .map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`)
  .join('\n')}

Options:
  -h, --help      Show help (\`delm <command> --help\` for a command).
  -v, --version   Print delm's version.

Exit codes: 0 success, 1 failure, 2 bad arguments or input, 130 interrupted.`;
}

/** delm's version, from the package.json above this module (sources or dist/). */
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'delm' && pkg.version) return pkg.version;
    } catch {
      /* not at this level */
    }
  }
  return 'unknown';
}

/** Options of {@link main}; the defaults are the process's own streams, environment and signals. */
export type MainOptions = Partial<CliIO>;

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const out = options.out ?? ((s: string) => void process.stdout.write(s));
  const err = options.err ?? ((s: string) => void process.stderr.write(s));
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? err : out)(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '-v' || name === '--version') {
    out(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    err(`delm: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT.usage;
  }
  const command = await load();

  let signal = options.signal;
  let detach = () => {};
  if (!signal) {
    const controller = new AbortController();
    const onSignal = () => controller.abort(new DelmError('ABORTED', 'interrupted'));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    detach = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    signal = controller.signal;
  }
  const io: CliIO = {
    out,
    err,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    signal,
    isTTY: options.isTTY ?? Boolean(process.stdout.isTTY),
  };
  try {
    const code = await command.run(rest, io);
    return signal.aborted && code !== EXIT.ok ? EXIT.interrupted : code;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`delm ${name}: ${error.message}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    if (signal.aborted) {
      err(`delm ${name}: interrupted\n`);
      return EXIT.interrupted;
    }
    const code = error instanceof DelmError ? ` [${error.code}]` : '';
    err(`delm ${name}: ${error instanceof Error ? error.message : String(error)}${code}\n`);
    return error instanceof DelmError &&
      ['INVALID_CONFIG', 'INVALID_ARGUMENT', 'MISSING_API_KEY', 'NOT_FOUND', 'RUN_NOT_FOUND'].includes(error.code)
      ? EXIT.usage
      : EXIT.failure;
  } finally {
    detach();
  }
}
