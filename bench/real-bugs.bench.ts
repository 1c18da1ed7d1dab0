/**
 * delm against the orchestrator on real bugs (bench/real-bugs: instances built from real bug-fix
 * commits, see manifest.json), scored honestly: a bug's tests count as fixed only when the merged
 * patch regresses nothing. Each instance is copied to the temp folder; its test runner is
 * installed once per runner version from the npm registry and linked into every copy.
 * REAL_BUGS_WALL_S (default 90) caps each run; REAL_BUGS_ONLY picks instances by id substring.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../src/modes/result.js';
import { runWorkload } from '../src/evaluation/run-workload.js';
import { RunRecords, type ResultRow } from '../src/records/run-records.js';
import { loadWorkload } from '../src/workloads/workload.js';
import type { BenchSuite, BenchTable } from './harness.js';

const HERE = new URL('./real-bugs/', import.meta.url).pathname;
const MODES: readonly Mode[] = ['delm', 'orchestrator'];
const AGENTS = 2;
const WALL_S = Number(process.env['REAL_BUGS_WALL_S'] ?? 90);

interface Instance {
  id: string;
  repo: string;
  runner: string;
  targets: string[];
}

/** node_modules with the instance's devDependencies, installed once per distinct set. */
function dependencies(pkg: { devDependencies?: Record<string, string> }): string {
  const key = Object.entries(pkg.devDependencies ?? {})
    .map(([n, v]) => `${n}@${v}`)
    .sort()
    .join('+');
  const dir = join(tmpdir(), 'delm-real-bugs-deps', key.replace(/[^\w.@+-]/g, '_'));
  if (!existsSync(join(dir, 'node_modules'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ private: true, devDependencies: pkg.devDependencies ?? {} }),
    );
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      stdio: 'ignore',
    });
  }
  return join(dir, 'node_modules');
}

export const suite: BenchSuite = {
  name: 'real-bugs',
  async run() {
    const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8')) as { instances: Instance[] };
    const only = process.env['REAL_BUGS_ONLY'];
    const instances = manifest.instances.filter((i) => !only || i.id.includes(only));
    const work = mkdtempSync(join(tmpdir(), 'delm-bench-real-bugs-'));
    const rows: Array<{ instance: Instance; mode: Mode; row: ResultRow }> = [];
    try {
      for (const instance of instances) {
        // Records per instance: instances of one library share its package name, the item id.
        const records = await RunRecords.open(join(work, 'records', instance.id));
        const dir = join(work, instance.id);
        cpSync(join(HERE, 'instances', instance.id), dir, { recursive: true });
        symlinkSync(
          dependencies(
            JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> },
          ),
          join(dir, 'node_modules'),
          'dir',
        );
        const workload = await loadWorkload(dir);
        for (const mode of MODES) {
          const [row] = await runWorkload(
            workload,
            mode,
            { agents: AGENTS, budgets: { wallTimeMs: WALL_S * 1_000 } },
            { records },
          );
          if (row) rows.push({ instance, mode, row });
          process.stderr.write(
            `${instance.id} ${mode}: ${row?.predicted ?? '-'} regressed ${row?.regressed ?? '-'} (${row?.stop_reason}, ${row ? Math.round(Number(row.wall_ms) / 1000) : '-'} s)\n`,
          );
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const num = (r: ResultRow, k: keyof ResultRow) => Number(r[k] || 0);
    const bugs = instances.reduce((n, i) => n + i.targets.length, 0);
    const summary: BenchTable = {
      title: `Real bugs (bench/real-bugs: ${instances.length} workspaces, ${bugs} failing tests from real fix commits): delm vs orchestrator, offline model, honest scoring`,
      columns: [
        'mode',
        'workspaces solved',
        'tests fixed',
        'regressed',
        'still failing',
        'tokens',
        'wall s',
        'stopped at wall time',
      ],
      rows: MODES.map((mode) => {
        const mine = rows.filter((r) => r.mode === mode).map((r) => r.row);
        return [
          mode,
          mine.filter((r) => r.correct === 'true').length,
          mine.reduce((n, r) => n + num(r, 'fixed'), 0),
          mine.reduce((n, r) => n + num(r, 'regressed'), 0),
          mine.reduce((n, r) => n + num(r, 'still_failing'), 0),
          mine.reduce((n, r) => n + num(r, 'input_tokens') + num(r, 'output_tokens'), 0),
          mine.reduce((n, r) => n + num(r, 'wall_ms'), 0) / 1_000,
          mine.filter((r) => r.stop_reason === 'wall-time').length,
        ];
      }),
      notes: [
        `${AGENTS} agents/workers, offline model (not an LLM), ${WALL_S} s wall time per run; a test counts as fixed only when the merged patch regresses no test that passed before`,
        ...instances.map(
          (i) =>
            `${i.id} (${i.runner}): ${MODES.map((m) => `${m} ${rows.find((r) => r.instance === i && r.mode === m)?.row.predicted ?? '-'}, regressed ${rows.find((r) => r.instance === i && r.mode === m)?.row.regressed ?? '-'}`).join('; ')}`,
        ),
      ],
    };
    return [summary];
  },
};
