/**
 * `npm run bench [suite…]`: runs the benchmark suites, prints each table and saves all results as
 * JSON under bench/results/ (one file per run, plus latest.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { renderTable, type BenchSuite, type BenchTable } from './harness.js';

const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  queue: () => import('./queue.bench.js'),
  ledger: () => import('./ledger.bench.js'),
  channel: () => import('./channel.bench.js'),
  runtime: () => import('./runtime.bench.js'),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(suites);
const results: Record<string, BenchTable[]> = {};
for (const name of names) {
  const load = suites[name];
  if (!load) {
    console.error(`unknown suite "${name}"; available: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  const { suite } = await load();
  const started = Date.now();
  const tables = await suite.run();
  results[name] = tables;
  for (const t of tables) console.log(`\n${renderTable(t)}`);
  console.log(`  (${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
const record = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  results,
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const json = JSON.stringify(record, null, 2);
writeFileSync(new URL(`bench-${record.date.replace(/[:.]/g, '-')}.json`, dir), json);
writeFileSync(new URL('latest.json', dir), json);
console.log(`\nsaved bench/results/latest.json`);
