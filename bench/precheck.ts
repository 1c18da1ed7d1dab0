/**
 * The verifier's CPU per DeLM proposal with and without the agent's pre-check, on the multidoc
 * sample's sources (about 90 KB each): gists quoting three sentences of one source, each checked by
 * `protocol.check` as the verifier does. `tsx bench/precheck.ts` prints µs per check (CPU time).
 */
import { readFileSync } from 'node:fs';
import { SharedLedger } from '../src/ledger/shared-ledger.js';
import { registerProtocolSkills } from '../src/protocols/delm/offline/register.js';
import { protocol } from '../src/protocols/delm/protocol.js';
import type { ProposalEnvelope } from '../src/protocols/kit/protocol.js';
import { splitSentences } from '../src/protocols/kit/text.js';
import { createOfflineModel } from '../src/providers/offline.js';
import { percentile } from './harness.js';

const items = JSON.parse(readFileSync(new URL('../examples/multidoc/data.json', import.meta.url), 'utf8')) as Array<{
  context: string;
  question: string;
}>;
const signal = new AbortController().signal;
const model = createOfflineModel();
registerProtocolSkills();

const ledger = SharedLedger.create();
const sources = items.slice(0, 8).map((item, i) => ({ label: `S${i + 1}`, text: item.context }));
await protocol.plan({ prompt: 'bench', sources, subTasks: [{ payload: 'x' }] }, { ledger, model, signal });

// Gists that pass the checks: their text is their first quote, the quotes are sentences of the source.
const proposals: ProposalEnvelope[] = sources.flatMap(({ label, text }, s) =>
  splitSentences(text, 60)
    .filter((x) => x.text.length < 300 && !/\d/.test(x.text))
    .slice(0, 60)
    .map((x, i, all) => ({
      agentId: 1,
      taskId: s * 100 + i,
      body: {
        kind: 'gist',
        text: x.text,
        quotes: [x, all[(i + 1) % all.length]!, all[(i + 2) % all.length]!].map((q) => ({
          source: label,
          text: q.text,
        })),
        labels: [label],
      },
    })),
);
const agentIo = { agentId: 1, ledger, model, signal };
const withPrecheck = proposals.map((p) => ({ ...p, precheck: protocol.precheck!(agentIo, p) }));

async function cpuPerCheck(list: ProposalEnvelope[]): Promise<{ p50: number; mean: number; accepted: number }> {
  const samples: number[] = [];
  let accepted = 0;
  for (const p of list) {
    const before = process.cpuUsage();
    const verdict = await protocol.check({ ledger, model: undefined, signal }, p);
    const used = process.cpuUsage(before);
    samples.push(used.user + used.system);
    if (verdict.verdict !== 'reject') accepted++;
  }
  return { p50: percentile(samples, 50), mean: samples.reduce((a, b) => a + b, 0) / samples.length, accepted };
}

// Warm both paths (and the normalised-source cache), then alternate the measured rounds.
await cpuPerCheck(proposals);
await cpuPerCheck(withPrecheck);
for (let round = 1; round <= 3; round++) {
  const full = await cpuPerCheck(proposals);
  const pre = await cpuPerCheck(withPrecheck);
  console.log(
    `round ${round}: ${proposals.length} gists of 3 quotes; full checks p50 ${full.p50} µs mean ${full.mean.toFixed(0)} µs (${full.accepted} passed); with pre-check p50 ${pre.p50} µs mean ${pre.mean.toFixed(0)} µs (${pre.accepted} passed)`,
  );
}
