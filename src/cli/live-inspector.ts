/** `--inspect` on `run` and `bench`: start the live inspector and print its address. */
import type { Inspector } from '../inspector/server.js';
import type { CliIO } from './command.js';

/** Starts the inspector (loaded only now) on 127.0.0.1, any free port, and prints where to open it. */
export async function startLiveInspector(io: CliIO): Promise<Inspector> {
  const { startInspector } = await import('../inspector/index.js');
  const inspector = await startInspector({});
  io.out(`inspector: ${inspector.url}\n`);
  return inspector;
}
