import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_RESOURCES, SharedBudget } from '../../src/budget/shared-budget.js';
import type { BudgetAmount, BudgetLimits, BudgetResource, Reservation } from '../../src/budget/types.js';
import { BudgetExhaustedError } from '../../src/errors.js';

/** The obvious single-threaded budget the shared one must behave like. */
class ModelBudget {
  readonly used: Record<BudgetResource, number> = { tokens: 0, costMicroUsd: 0, modelCalls: 0 };
  readonly reserved: Record<BudgetResource, number> = { tokens: 0, costMicroUsd: 0, modelCalls: 0 };
  constructor(readonly limits: BudgetLimits) {}
  reserve(a: BudgetAmount): BudgetResource | Required<BudgetAmount> {
    for (const r of BUDGET_RESOURCES) {
      const n = a[r] ?? 0;
      const limit = this.limits[r];
      if (n > 0 && limit !== undefined && this.used[r] + this.reserved[r] + n > limit) return r;
    }
    for (const r of BUDGET_RESOURCES) this.reserved[r] += a[r] ?? 0;
    return { tokens: a.tokens ?? 0, costMicroUsd: a.costMicroUsd ?? 0, modelCalls: a.modelCalls ?? 0 };
  }
  settle(held: Required<BudgetAmount>, actual: BudgetAmount): void {
    for (const r of BUDGET_RESOURCES) {
      this.reserved[r] -= held[r];
      this.used[r] += actual[r] ?? 0;
    }
  }
  cancel(held: Required<BudgetAmount>): void {
    for (const r of BUDGET_RESOURCES) this.reserved[r] -= held[r];
  }
  exhausted(): BudgetResource | undefined {
    return BUDGET_RESOURCES.find((r) => this.limits[r] !== undefined && this.used[r] >= this.limits[r]);
  }
}

const amount = fc.record(
  { tokens: fc.nat(400), costMicroUsd: fc.nat(3_000_000_000), modelCalls: fc.nat(2) },
  { requiredKeys: [] },
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('reserve' as const), amount }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), actual: amount }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
);
const limits = fc.record(
  { tokens: fc.nat(2_000), costMicroUsd: fc.nat(10_000_000_000), modelCalls: fc.nat(8) },
  { requiredKeys: [] },
);

describe('SharedBudget against a reference model', () => {
  it('matches the model on any single-threaded sequence of reserve, settle and cancel', () => {
    fc.assert(
      fc.property(limits, fc.array(op, { maxLength: 60 }), (l, ops) => {
        const budget = SharedBudget.create(l);
        const model = new ModelBudget(l);
        const open: Array<{ real: Reservation; held: Required<BudgetAmount> }> = [];
        for (const o of ops) {
          if (o.kind === 'reserve') {
            const expected = model.reserve(o.amount);
            if (typeof expected === 'string') {
              expect(() => budget.reserve(o.amount)).toThrow(expect.objectContaining({ resource: expected }));
              expect(() => budget.reserve(o.amount)).toThrow(BudgetExhaustedError);
            } else {
              const real = budget.reserve(o.amount);
              expect(real.amount).toEqual(expected);
              open.push({ real, held: expected });
            }
          } else if (open.length > 0) {
            const [r] = open.splice(o.pick % open.length, 1);
            if (o.kind === 'settle') {
              budget.settle(r!.real, o.actual);
              model.settle(r!.held, o.actual);
            } else {
              budget.cancel(r!.real);
              model.cancel(r!.held);
            }
          }
          const snap = budget.snapshot();
          for (const r of BUDGET_RESOURCES)
            expect(snap[r]).toEqual({ used: model.used[r], reserved: model.reserved[r], limit: l[r] });
          expect(budget.exhausted()).toBe(model.exhausted());
        }
      }),
      { numRuns: 300 },
    );
  });
});
