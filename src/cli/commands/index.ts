/** Every `delm` sub-command, loaded on demand (the model SDKs are slow to import). */
import type { Command } from '../command.js';

/** Command name → loader of its module. Order is the order of `delm --help`. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.js')).command,
  bench: async () => (await import('./bench.js')).command,
  machines: async () => (await import('./machines.js')).command,
  serve: async () => (await import('./serve.js')).command,
  worker: async () => (await import('./worker.js')).command,
  resume: async () => (await import('./resume.js')).command,
  inspect: async () => (await import('./inspect.js')).command,
};

/** One-line summaries for `delm --help`, without loading any command. */
export const SUMMARIES: Record<string, string> = {
  run: 'Run a workload (LongBench-v2 file or a workspace to debug) in one mode, with records.',
  bench: 'Run a workload through delm, the orchestrator and a single pass, side by side.',
  machines: 'Print the agent, verifier and finalizer state machines (Mermaid or JSON).',
  serve: 'Serve an HTTP API: runs with live events, and OpenAI-compatible chat completions.',
  worker: 'Join runs kept in Redis with this process’s agents (from any machine).',
  resume: 'Finish a run kept in Redis after the process that coordinated it died.',
  inspect: 'Serve the live inspector: the multi-document demo through a swarm, or a recorded trajectory.',
};
