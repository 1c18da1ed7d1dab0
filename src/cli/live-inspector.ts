/** `--inspect` on `run` and `bench`: start the live inspector and print its address. */
import type { SwarmEvent } from '../runtime/events.js';
import type { CliIO } from './command.js';

/** What the commands need of the inspector. */
export interface LiveInspector {
  readonly url: string;
  track(info: { runId: string; label?: string; agents: number }): (event: SwarmEvent) => void;
  close(): Promise<void>;
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Starts the inspector on 127.0.0.1 (any free port) and prints where to open it. */
export async function startLiveInspector(io: CliIO): Promise<LiveInspector> {
  const { startInspector } = (await import(new URL(`../inspector/index${ext}`, import.meta.url).href)) as { startInspector(options: { host?: string; port?: number }): Promise<LiveInspector> };
  const inspector = await startInspector({});
  io.out(`inspector: ${inspector.url}\n`);
  return inspector;
}
