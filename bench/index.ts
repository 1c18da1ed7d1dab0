/**
 * `npm run bench [suite…]`: runs the benchmark suites, each in a fresh child process (so one suite's
 * memory and JIT state cannot colour another's numbers), prints each table and saves all results as
 * JSON under bench/results/ (one file per run, plus latest.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderTable, type BenchSuite, type BenchTable } from './harness.js';

const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  queue: () => import('./queue.bench.js'),
  ledger: () => import('./ledger.bench.js'),
  channel: () => import('./channel.bench.js'),
  runtime: () => import('./runtime.bench.js'),
  'agent-loop': () => import('./agent-loop.bench.js'),
  soak: () => import('./soak.bench.js'),
  modes: () => import('./modes.bench.js'),
  tokenizer: () => import('./tokenizer.bench.js'),
  'real-bugs': () => import('./real-bugs.bench.js'),
  telemetry: () => import('./telemetry.bench.js'),
  redis: () => import('./redis.bench.js'),
};

const RESULT_MARKER = 'DELM-BENCH-RESULT ';
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const { suite } = await suites[args[1]!]!();
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(await suite.run())}\n`);
  process.exit(0);
}

const names = args.length ? args : Object.keys(suites);
const unknown = names.filter((n) => !suites[n]);
if (unknown.length) {
  console.error(`unknown suite(s) ${unknown.join(', ')}; available: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const results: Record<string, BenchTable[]> = {};
for (const name of names) {
  const started = Date.now();
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`suite ${name} printed no result`);
  const tables = JSON.parse(line.slice(RESULT_MARKER.length)) as BenchTable[];
  results[name] = tables;
  for (const t of tables) console.log(`\n${renderTable(t)}`);
  console.log(`  (${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
const record = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  results,
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL(`bench-${record.date.replace(/[:.]/g, '-')}.json`, dir), JSON.stringify(record, null, 2));
// latest.json keeps the newest result of every suite, each with the date it was measured.
const latestFile = new URL('latest.json', dir);
let latest: { suites?: Record<string, { date: string; machine: unknown; tables: BenchTable[] }> } = {};
try {
  latest = JSON.parse(readFileSync(latestFile, 'utf8')) as typeof latest;
} catch {
  /* first run */
}
const suitesLatest = latest.suites ?? {};
for (const [name, tables] of Object.entries(results))
  suitesLatest[name] = { date: record.date, machine: record.machine, tables };
writeFileSync(latestFile, JSON.stringify({ suites: suitesLatest }, null, 2));
console.log(`\nsaved bench/results/latest.json`);
