/**
 * A run's shared memory in this thread, planned by the basic protocol (the task written to the ledger,
 * the plan's sub-tasks returned, not enqueued), for the benches that host an agent or the verifier in
 * their own thread (agent-loop.ts, verifier-loop.ts). Uses the compiled build when there is one (see build.ts).
 */
import { importMeasured } from './build.js';
import type { SwarmOptions } from '../src/runtime/options.js';

const { SharedRateLimiter } =
  await importMeasured<typeof import('../src/budget/rate-limiter.js')>('src/budget/rate-limiter.js');
const { loadProtocol } =
  await importMeasured<typeof import('../src/protocols/registry.js')>('src/protocols/registry.js');
const { resolveSwarmOptions } =
  await importMeasured<typeof import('../src/runtime/options.js')>('src/runtime/options.js');
const { createRunSubstrate } =
  await importMeasured<typeof import('../src/runtime/substrate.js')>('src/runtime/substrate.js');

/** The swarm's resolved options, its run's substrate after planning `prompt` with `subTasks`, and the plan. */
export async function plannedRun(swarmOptions: SwarmOptions, prompt: string, subTasks: readonly string[]) {
  const options = resolveSwarmOptions(swarmOptions);
  const substrate = createRunSubstrate(options, SharedRateLimiter.create({}));
  const protocol = await loadProtocol({ builtIn: 'basic' });
  const specs = await protocol.plan(
    { prompt, subTasks: subTasks.map((payload) => ({ payload })) },
    {
      ledger: substrate.ledger,
      model: { id: 'none', complete: () => Promise.reject(new Error('a bench run plans without a model')) },
      signal: new AbortController().signal,
    },
  );
  await substrate.afterPlan();
  return { options, substrate, specs };
}
