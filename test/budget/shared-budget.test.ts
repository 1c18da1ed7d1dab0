import { describe, expect, it } from 'vitest';
import { SharedBudget } from '../../src/budget/shared-budget.js';
import { BudgetExhaustedError, DelmError, InvalidConfigError } from '../../src/errors.js';

describe('SharedBudget', () => {
  it('reserves, settles with the actual amount and reports used and reserved', () => {
    const budget = SharedBudget.create({ tokens: 1000, costMicroUsd: 5_000, modelCalls: 3 });
    const r = budget.reserve({ tokens: 600, costMicroUsd: 1_000, modelCalls: 1 });
    expect(r.amount).toEqual({ tokens: 600, costMicroUsd: 1_000, modelCalls: 1 });
    expect(budget.snapshot()).toEqual({
      tokens: { used: 0, reserved: 600, limit: 1000 },
      costMicroUsd: { used: 0, reserved: 1_000, limit: 5_000 },
      modelCalls: { used: 0, reserved: 1, limit: 3 },
    });
    budget.settle(r, { tokens: 450, costMicroUsd: 1_200, modelCalls: 1 });
    expect(budget.snapshot()).toEqual({
      tokens: { used: 450, reserved: 0, limit: 1000 },
      costMicroUsd: { used: 1_200, reserved: 0, limit: 5_000 },
      modelCalls: { used: 1, reserved: 0, limit: 3 },
    });
    // The unused 150 tokens are available again.
    expect(() => budget.reserve({ tokens: 550 })).not.toThrow();
  });

  it('throws BudgetExhaustedError naming the resource and leaves no partial reservation behind', () => {
    const budget = SharedBudget.create({ tokens: 1000, modelCalls: 1 });
    budget.reserve({ tokens: 100, modelCalls: 1 });
    let error: unknown;
    try {
      budget.reserve({ tokens: 500, modelCalls: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error).toMatchObject({ code: 'BUDGET_EXHAUSTED', resource: 'modelCalls', limit: 1, used: 1 });
    // The 500 tokens taken before modelCalls failed were rolled back.
    expect(budget.snapshot().tokens).toEqual({ used: 0, reserved: 100, limit: 1000 });
    expect(() => budget.reserve({ tokens: 901 })).toThrow(expect.objectContaining({ resource: 'tokens' }));
    expect(() => budget.reserve({ tokens: 900 })).not.toThrow();
  });

  it('cancel returns a reservation unused', () => {
    const budget = SharedBudget.create({ costMicroUsd: 10 });
    const r = budget.reserve({ costMicroUsd: 10 });
    expect(() => budget.reserve({ costMicroUsd: 1 })).toThrow(BudgetExhaustedError);
    budget.cancel(r);
    expect(budget.snapshot().costMicroUsd).toEqual({ used: 0, reserved: 0, limit: 10 });
    expect(() => budget.reserve({ costMicroUsd: 10 })).not.toThrow();
  });

  it('refuses to settle or cancel a reservation twice or one from another budget', () => {
    const a = SharedBudget.create({ tokens: 100 });
    const b = SharedBudget.create({ tokens: 100 });
    const r = a.reserve({ tokens: 10 });
    expect(() => b.settle(r, { tokens: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    a.settle(r, { tokens: 10 });
    expect(() => a.settle(r, { tokens: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => a.cancel(r)).toThrow(DelmError);
    expect(() => a.cancel({ amount: { tokens: 1, costMicroUsd: 0, modelCalls: 0 } })).toThrow(DelmError);
    expect(a.snapshot().tokens.used).toBe(10);
  });

  it('settles a reservation through another instance attached to the same memory', () => {
    const a = SharedBudget.create({ tokens: 100 });
    const b = SharedBudget.attach(structuredClone(a.handle));
    const r = b.reserve({ tokens: 40 });
    expect(a.snapshot().tokens.reserved).toBe(40);
    a.settle(r, { tokens: 30 });
    expect(b.snapshot().tokens).toEqual({ used: 30, reserved: 0, limit: 100 });
  });

  it('treats missing limits as unlimited and missing amounts as zero', () => {
    const budget = SharedBudget.create({ modelCalls: 2 });
    budget.reserve({ tokens: 10 ** 12, costMicroUsd: 10 ** 13 });
    expect(budget.snapshot().tokens).toEqual({ used: 0, reserved: 10 ** 12, limit: undefined });
    expect(budget.exhausted()).toBeUndefined();
  });

  it('counts cost far past 2^31 micro-dollars exactly', () => {
    const budget = SharedBudget.create({ costMicroUsd: 5_000_000_000 });
    const r1 = budget.reserve({ costMicroUsd: 3_000_000_000 });
    budget.settle(r1, { costMicroUsd: 3_000_000_001 });
    expect(() => budget.reserve({ costMicroUsd: 2_000_000_000 })).toThrow(BudgetExhaustedError);
    budget.settle(budget.reserve({ costMicroUsd: 1_999_999_999 }), { costMicroUsd: 1_999_999_999 });
    expect(budget.snapshot().costMicroUsd).toEqual({ used: 5_000_000_000, reserved: 0, limit: 5_000_000_000 });
    expect(budget.exhausted()).toBe('costMicroUsd');
  });

  it('reports exhausted once used (not merely reserved) reaches a limit, and lets zero amounts through', () => {
    const budget = SharedBudget.create({ tokens: 100, modelCalls: 5 });
    const r = budget.reserve({ tokens: 100 });
    expect(budget.exhausted()).toBeUndefined();
    budget.settle(r, { tokens: 120 }); // a call may use more than it reserved
    expect(budget.exhausted()).toBe('tokens');
    expect(budget.snapshot().tokens.used).toBe(120);
    expect(() => budget.reserve({ tokens: 1 })).toThrow(BudgetExhaustedError);
    expect(() => budget.reserve({ modelCalls: 1 })).not.toThrow();
  });

  it('rounds fractional amounts up and rejects negative or non-finite ones', () => {
    const budget = SharedBudget.create({ costMicroUsd: 100 });
    expect(budget.reserve({ costMicroUsd: 0.2 }).amount.costMicroUsd).toBe(1);
    expect(() => budget.reserve({ tokens: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => budget.reserve({ tokens: Number.NaN })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const r = budget.reserve({ costMicroUsd: 1 });
    expect(() => budget.settle(r, { costMicroUsd: Number.POSITIVE_INFINITY })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    budget.settle(r, { costMicroUsd: 1 }); // still open after the rejected settle
  });

  it('rejects invalid limits with InvalidConfigError and a bad handle with INVALID_ARGUMENT', () => {
    expect(() => SharedBudget.create({ tokens: -1 })).toThrow(InvalidConfigError);
    expect(() => SharedBudget.create({ tokens: 1.5 })).toThrow(InvalidConfigError);
    expect(() => SharedBudget.create({ dollars: 1 } as never)).toThrow(InvalidConfigError);
    expect(() => SharedBudget.attach({ kind: 'delm.budget', buffer: new SharedArrayBuffer(256) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
