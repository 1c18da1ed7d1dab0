/**
 * `npx tsx bench/verifier-loop.ts [proposals] [per turn]` (default 40000 11): what the verifier spends
 * per proposal. The verifier host (the compiled build when there is one, see build.ts) runs in this
 * thread on a run's real shared memory with the basic protocol; this thread also sends it `per turn`
 * proposals each turn of the event loop through the real proposal channel (11: the mean batch the
 * verifier takes in a 1,000-agent run on 2 threads), framed as agents frame them, each a finding with no
 * quotes, all accepted. Its events port is not read, so the main thread's side of the events stays out.
 *
 * Prints the process CPU per proposal, less the sending's own (each turn's sends timed by the clock:
 * they run on this thread without waiting), and the wall time, per window of 5,000 proposals: the
 * first windows pay V8's compilation, the last ones are the verifier's steady cost. A swarm's verifier
 * thread does the same work per proposal, plus the waits and wake-ups this single thread has none of.
 */
import { MessageChannel } from 'node:worker_threads';
import { percentile } from './harness.js';
import { importMeasured, measuredBuild } from './build.js';
import { plannedRun } from './planned-run.js';

const { runVerifier } = await importMeasured<typeof import('../actors/verifier-host.js')>('actors/verifier-host.js');
const { sendProposal } = await importMeasured<typeof import('../actors/host-utils.js')>('actors/host-utils.js');

const [proposals = 40_000, perTurn = 11] = process.argv.slice(2).map(Number);
const WINDOW = 5_000;

const { options, substrate } = await plannedRun(
  {
    agents: 1,
    protocol: 'basic',
    model: { module: new URL('./workers/instant-model.mjs', import.meta.url).href },
    ledger: { maxEntries: proposals + 64, maxBytes: proposals * 256 + (1 << 20) },
  },
  'verifier loop',
  ['x'],
);

const events = new MessageChannel();
const control = new MessageChannel();
const verifier = runVerifier(
  { role: 'verifier', handles: substrate.handles, options, protocol: { builtIn: 'basic' }, model: undefined },
  control.port2,
  events.port2,
);

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const signal = new AbortController().signal;
/** Per window: its first proposal and how many, process CPU, the sends' time, wall time (µs). */
const windows: Array<{ from: number; n: number; cpu: number; sending: number; wall: number }> = [];
let windowStart = 0;
let window = { cpu: cpuUs(), sending: 0, wall: performance.now() };
for (let sent = 0; sent < proposals;) {
  const started = performance.now();
  for (const end = Math.min(proposals, sent + perTurn); sent < end; sent++) {
    // Framed, stamped and counted as an agent sends it.
    const body = { text: `finding ${sent} of the verifier loop` };
    await sendProposal(substrate, { agentId: 1 + (sent % 500), taskId: sent + 1, body }, signal);
  }
  window.sending += (performance.now() - started) * 1000;
  await new Promise((resolve) => setImmediate(resolve));
  if (sent - windowStart >= WINDOW || sent === proposals) {
    if (sent === proposals) await substrate.control.settled(signal); // the last window ends with the last commit
    const now = { cpu: cpuUs(), wall: performance.now() };
    windows.push({
      from: windowStart,
      n: sent - windowStart,
      cpu: now.cpu - window.cpu,
      sending: window.sending,
      wall: (now.wall - window.wall) * 1000,
    });
    window = { cpu: now.cpu, sending: 0, wall: now.wall };
    windowStart = sent;
  }
}
await substrate.proposals.close();
const output = await verifier;
events.port1.close();
control.port1.close();
if (output.accepted !== proposals) throw new Error(`the verifier accepted ${output.accepted} of ${proposals}`);

const perProposal = windows.map(({ from, n, cpu, sending, wall }) => ({
  from,
  cpu: (cpu - sending) / n,
  sending: sending / n,
  wall: wall / n,
}));
const f = (x: number) => x.toFixed(1);
console.log(
  `verifier: ${output.accepted} proposals accepted in ${output.batches} batches (${measuredBuild}); per proposal, by window of ${WINDOW.toLocaleString('en')}:`,
);
perProposal.forEach((w) =>
  console.log(
    `  ${w.from.toLocaleString('en').padStart(7)}–: verifier CPU ${f(w.cpu)} µs (sending ${f(w.sending)} µs), wall ${f(w.wall)} µs`,
  ),
);
// The first two windows pay V8's compilation of the verifier's code.
const settled = perProposal.slice(Math.min(2, perProposal.length - 1));
console.log(
  `settled (from proposal ${settled[0]!.from.toLocaleString('en')}): verifier CPU median ${f(percentile(Float64Array.from(settled.map((w) => w.cpu)), 50))} µs a proposal`,
);
