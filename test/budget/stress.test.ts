import type { Worker } from 'node:worker_threads';
import { firstMessage, terminatedAfterEach } from '../helpers/workers.js';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../../src/internal/worker-entry.js';
import { BUDGET_RESOURCES, SharedBudget } from '../../src/budget/shared-budget.js';
import type { BudgetResource } from '../../src/budget/types.js';

const fixture = new URL('./fixtures/budget.worker.ts', import.meta.url);
const workers = terminatedAfterEach();
type Totals = Record<BudgetResource, number>;
interface Report {
  reserved: Totals;
  held: Totals;
  used: Totals;
  successes: number;
  failures: number;
}

const report = (worker: Worker) => firstMessage<Report>(worker);

const AGENTS = 4;
const LIMITS = { tokens: 100_000, costMicroUsd: 3_000_000_000, modelCalls: 3_000 };
const MAX_AMOUNT = { tokens: 50, costMicroUsd: 2_000_000, modelCalls: 1 };

async function run(
  mode: 'hold' | 'mixed',
  iterations: number,
): Promise<{
  budget: SharedBudget;
  reports: Report[];
  sum: (k: keyof Report & ('reserved' | 'held' | 'used'), r: BudgetResource) => number;
}> {
  const budget = SharedBudget.create(LIMITS);
  const control = new SharedArrayBuffer(8);
  const ctl = new Int32Array(control);
  const pending = Array.from({ length: AGENTS }, (_, i) => {
    const w = startWorker(fixture, { budget: budget.handle, control, seed: 1 + i * 7919, mode, iterations });
    workers.push(w);
    return report(w);
  });
  while (Atomics.load(ctl, 0) < AGENTS) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(ctl, 1, 1);
  Atomics.notify(ctl, 1);
  const reports = await Promise.all(pending);
  return { budget, reports, sum: (k, r) => reports.reduce((s, rep) => s + rep[k][r], 0) };
}

describe('SharedBudget across real worker threads', () => {
  it('never lets concurrent reservations together pass any limit, and leaks no partial reservation', async () => {
    const { budget, reports, sum } = await run('hold', 0);
    const snap = budget.snapshot();
    for (const r of BUDGET_RESOURCES) {
      expect(sum('reserved', r)).toBeLessThanOrEqual(LIMITS[r]);
      // Every successful reservation is still held, and nothing of a failed one remained.
      expect(snap[r]).toEqual({ used: 0, reserved: sum('reserved', r), limit: LIMITS[r] });
    }
    // The budget was really filled: some resource has no room left for the largest amount.
    expect(
      BUDGET_RESOURCES.filter((r) => sum('reserved', r) > LIMITS[r] - MAX_AMOUNT[r]).length,
      JSON.stringify(snap),
    ).toBeGreaterThan(0);
    expect(reports.map((rep) => rep.failures >= 100)).toEqual(reports.map(() => true));
    expect(reports.reduce((s, rep) => s + rep.successes, 0)).toBeGreaterThan(1_000);
  });

  it('keeps used + reserved within the limits and the books exact under concurrent reserve, settle and cancel', async () => {
    const { budget, reports, sum } = await run('mixed', 6_000);
    const snap = budget.snapshot();
    for (const r of BUDGET_RESOURCES) {
      expect(snap[r].used).toBe(sum('used', r));
      expect(snap[r].reserved).toBe(sum('held', r));
      expect(snap[r].used + snap[r].reserved).toBeLessThanOrEqual(LIMITS[r]);
    }
    // Contention was real: reservations both succeeded and were refused.
    expect(reports.reduce((s, rep) => s + rep.failures, 0)).toBeGreaterThan(0);
    expect(reports.reduce((s, rep) => s + rep.successes, 0)).toBeGreaterThan(3_000);
  });
});
