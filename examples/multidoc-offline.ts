/**
 * delm's main job on the offline default model: the multi-document QA sample through a swarm, no key
 * and no network. Run with `npm start` (or `npx tsx examples/multidoc-offline.ts [data.json] [agents]`).
 * The offline model is an extractive reasoner, not an LLM: this shows the machinery end to end,
 * not what a language model would score. Use a real model with createSwarm({ model: 'openai:…' }).
 */
import { fileURLToPath } from 'node:url';
import { createSwarm } from '../src/index.js';
import { extractAnswer, loadLongBenchFile, scoreItems, splitIntoDocuments, type ItemResult } from '../src/workloads/longbench.js';

const file = process.argv[2] ?? fileURLToPath(new URL('./multidoc/data.json', import.meta.url));
const agents = Number(process.argv[3] ?? 4);
const items = await loadLongBenchFile(file);
const swarm = createSwarm({ agents });
const results: ItemResult[] = [];
console.log(`delm: ${items.length} items from ${file}, ${agents} agents, offline model (not an LLM)\n`);
try {
  for (const item of items) {
    const docs = splitIntoDocuments(item.context);
    const prompt = `${item.question}\nA) ${item.choice_A}\nB) ${item.choice_B}\nC) ${item.choice_C}\nD) ${item.choice_D}`;
    const run = await swarm.run({ prompt, sources: docs.map((d) => ({ label: d.label, ...(d.title ? { title: d.title } : {}), text: d.text })) });
    const predicted = extractAnswer(run.answer ?? '');
    results.push({ item, predicted });
    const gists = run.entries.filter((e) => e.kind === 'gist').length;
    const rejected = run.entries.filter((e) => e.kind === 'failure').length;
    const tokens = run.usage.inputTokens + run.usage.outputTokens;
    console.log(
      `${item._id.padEnd(12)} ${predicted ?? '-'} (answer ${item.answer}) ${predicted === item.answer ? '✓' : '✗'}  ${docs.length} docs, ${gists} verified gists, ${rejected} rejected, ${tokens.toLocaleString()} tokens, ${run.wallTimeMs} ms, ${run.stopReason}`,
    );
  }
} finally {
  await swarm.close();
}
const score = scoreItems(results);
console.log(`\naccuracy ${JSON.stringify(score.overall)}`);
