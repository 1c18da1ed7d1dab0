// The floor of bench/floor.ts: a worker thread hosting bare agents of delm's shape and nothing else.
// Each agent is an XState actor whose `working` state invokes a loop (claim a sub-task from a shared
// counter, a model call that only sleeps, again until none is left), then `electing` invokes an
// election that answers at once, then `released`; with mode `plain` the same loop as plain async
// code. No ledger, verifier, events, prompts, budgets or leases: what Node and XState alone cost.
import { parentPort, workerData } from 'node:worker_threads';
import { createActor, fromPromise, setup } from 'xstate';
// The sleep model's own wait (a timer and one abort listener), so the floor's model calls cost what the swarm's do.
import { sleep } from './sleep-model.mjs';

/** [0]: next sub-task, [1]: how many the run has. */
const counter = new Int32Array(workerData.counter);
const { latencyMs, mode } = workerData;

async function loop(signal) {
  let done = 0;
  while (Atomics.add(counter, 0, 1) < counter[1]) {
    await sleep(latencyMs, signal);
    done++;
  }
  return done;
}

const agentMachine = setup({
  actors: { taskLoop: fromPromise(({ signal }) => loop(signal)), elect: fromPromise(async () => 'release') },
}).createMachine({
  id: 'agent',
  initial: 'working',
  states: {
    working: { invoke: { src: 'taskLoop', onDone: 'electing', onError: 'failed' } },
    electing: { invoke: { src: 'elect', onDone: 'released', onError: 'failed' } },
    released: { type: 'final' },
    failed: { type: 'final' },
  },
});

const runAgent =
  mode === 'plain'
    ? () => loop(new AbortController().signal)
    : () =>
        new Promise((resolve) => {
          const actor = createActor(agentMachine);
          actor.subscribe({ complete: resolve });
          actor.start();
        });

// A message is a run: host that many agents, answer when every one has ended.
parentPort.on('message', async (agents) => {
  const ended = [];
  for (let i = 0; i < agents; i++) ended.push(runAgent());
  await Promise.all(ended);
  parentPort.postMessage('done');
});
parentPort.postMessage('ready');
