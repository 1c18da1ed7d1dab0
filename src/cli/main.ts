/**
 * The `delm` command line. Commands that exist today: `machines` (print the agent, verifier and
 * finalizer statecharts as Mermaid or JSON) and `--version` / `--help`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { agentMachine, describeMachine, finalizerMachine, toMermaid, verifierMachine } from '../../machines/index.js';

const USAGE = `Usage: delm <command> [options]

Commands:
  machines [--format mermaid|json]   Print the agent, verifier and finalizer state machines.

Options:
  -h, --help      Show help for a command.
  -v, --version   Print delm's version.

Exit codes: 0 success, 1 failure, 2 bad arguments.`;

const MACHINES_USAGE = `Usage: delm machines [--format mermaid|json]

Prints the definitions of delm's XState machines: Mermaid stateDiagram-v2 text (default) for docs and
diagrams, or a JSON graph of states and transitions.`;

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

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '-v' || command === '--version') {
    out(`${packageVersion()}\n`);
    return 0;
  }
  if (command === 'machines') {
    let values: { format?: string; help?: boolean };
    try {
      ({ values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'mermaid' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
    } catch (error) {
      err(`delm machines: ${(error as Error).message}\n\n${MACHINES_USAGE}\n`);
      return 2;
    }
    if (values.help) {
      out(`${MACHINES_USAGE}\n`);
      return 0;
    }
    const graphs = [agentMachine, verifierMachine, finalizerMachine].map((m) => describeMachine(m));
    if (values.format === 'json') out(`${JSON.stringify(graphs, null, 2)}\n`);
    else if (values.format === 'mermaid') out(graphs.map((g) => `%% ${g.id}\n${toMermaid(g)}`).join('\n\n') + '\n');
    else {
      err(`delm machines: unknown --format "${values.format}" (expected mermaid or json)\n`);
      return 2;
    }
    return 0;
  }
  err(`delm: unknown command "${command}"\n\n${USAGE}\n`);
  return 2;
}
