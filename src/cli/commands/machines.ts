/** `delm machines`: print the agent, verifier and finalizer statecharts as Mermaid or JSON. */
import {
  agentMachine,
  describeMachine,
  finalizerMachine,
  toMermaid,
  verifierMachine,
} from '../../../machines/index.js';
import { EXIT, parseCommandArgs, UsageError, type Command } from '../command.js';

/** The `machines` command. */
export const command: Command = {
  name: 'machines',
  summary: 'Print the agent, verifier and finalizer state machines (Mermaid or JSON).',
  usage: `Usage: delm machines [--format mermaid|json]

Prints the definitions of delm's XState machines: Mermaid stateDiagram-v2 text (default) for docs and
diagrams, or a JSON graph of states and transitions.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { format: { type: 'string', default: 'mermaid' } }, false);
    if (values.help) {
      io.out(`${this.usage}\n`);
      return EXIT.ok;
    }
    const graphs = [agentMachine, verifierMachine, finalizerMachine].map((m) => describeMachine(m));
    if (values.format === 'json') io.out(`${JSON.stringify(graphs, null, 2)}\n`);
    else if (values.format === 'mermaid') io.out(graphs.map((g) => `%% ${g.id}\n${toMermaid(g)}`).join('\n\n') + '\n');
    else throw new UsageError(`unknown --format "${values.format}" (expected mermaid or json)`);
    return EXIT.ok;
  },
};
