/**
 * `npx tsx bench/agent-machine.ts [sub-tasks] [machines-dir]`: the CPU the agent machine alone spends
 * per sub-task, with effects that answer at once (no queue, ledger or model). Prints the first 8
 * sub-tasks of a fresh isolate and the warm p50 / p99 (process CPU time, µs). `machines-dir` points at
 * another copy of `machines/` (an older commit's, to compare); its agent may take per-step actors
 * (`claimTask`, …), one `effects` actor, or a `taskLoop`.
 */
import { pathToFileURL } from 'node:url';
import { createActor, fromPromise, type AnyStateMachine } from 'xstate';
import { mean, percentile } from './harness.js';

const subTasks = Number(process.argv[2] ?? 5000);
const dir = process.argv[3] ? pathToFileURL(`${process.argv[3]}/`).href : new URL('../machines/', import.meta.url).href;
const { agentMachine, fromTaskLoop } = (await import(`${dir}agent.ts`)) as {
  agentMachine: AnyStateMachine;
  fromTaskLoop?: (deps: { effects: Record<string, unknown> }) => unknown;
};
const effectsModule = (await import(`${dir}effects.ts`).catch(() => undefined)) as
  { fromEffects: (e: Record<string, unknown>) => unknown } | undefined;

const samples: Array<{ cpu: number; wall: number }> = [];
let claimed = 0;
const effects: Record<string, (input: unknown) => unknown> = {
  claimTask: () => {
    const cpu = process.cpuUsage();
    samples.push({ cpu: cpu.user + cpu.system, wall: performance.now() * 1000 });
    return claimed < subTasks ? { taskId: ++claimed, attempt: 1, payload: 'p' } : null;
  },
  readDigest: () => 'digest',
  callModel: () => ({ type: 'propose', proposals: [{ text: 'x' }], result: 'r' }),
  unfold: () => [],
  propose: () => undefined,
  enqueueTasks: () => [],
  completeTask: () => undefined,
  failTask: () => undefined,
  extendLease: () => undefined,
};
const actors: Record<string, unknown> = fromTaskLoop
  ? { taskLoop: fromTaskLoop({ effects }) }
  : effectsModule && 'fromEffects' in effectsModule
    ? { effects: effectsModule.fromEffects(effects) }
    : Object.fromEntries(Object.entries(effects).map(([k, fn]) => [k, fromPromise(async ({ input }) => fn(input))]));
actors.electFinalizer = fromPromise(async () => ({ role: 'exit' }));
const machine = agentMachine.provide({ actors } as never);
const actor = createActor(machine, { input: { agentId: 1, config: { leaseExtendMs: 60_000 } } });
// As the host does: one subscriber that names each state.
actor.subscribe(() => undefined);
await new Promise<void>((resolve, reject) => {
  actor.subscribe({ complete: () => resolve(), error: reject });
  actor.start();
});
const cpu = samples.slice(1).map((s, i) => s.cpu - samples[i]!.cpu);
const wall = samples.slice(1).map((s, i) => s.wall - samples[i]!.wall);
const warm = cpu.slice(Math.floor(cpu.length / 3));
const f = (x: number) => x.toFixed(0);
console.log(
  `${fromTaskLoop ? 'a plain task loop' : effectsModule ? 'one effects actor' : 'an actor per step'}: ${cpu.length} sub-tasks`,
);
console.log(
  `  first 8 CPU µs: ${cpu.slice(0, 8).map(f).join(' ')} (mean ${f(mean(cpu.slice(0, 8)))}; wall mean ${f(mean(wall.slice(0, 8)))})`,
);
console.log(
  `  warm CPU µs: p50 ${f(percentile(warm, 50))} p99 ${f(percentile(warm, 99))} mean ${mean(warm).toFixed(1)}; wall p50 ${f(percentile(wall.slice(Math.floor(wall.length / 3)), 50))}`,
);
