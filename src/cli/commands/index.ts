/** Every `delm` sub-command, loaded on demand (the model SDKs are slow to import). */
import type { Command } from '../command.js';

/** Command name → loader of its module. Order is the order of `delm --help`. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  machines: async () => (await import('./machines.js')).command,
};

/** One-line summaries for `delm --help`, without loading any command. */
export const SUMMARIES: Record<string, string> = {
  machines: 'Print the agent, verifier and finalizer state machines (Mermaid or JSON).',
};
