/**
 * Run-wide budget counters in shared memory: every worker that attaches the handle reserves from the
 * same totals. Counters are BigInt64 words: cost in micro-dollars passes 2^31 at $2,147, and tokens
 * can too over a long run; Float64 cannot be updated atomically, so 64-bit integers it is.
 *
 * Per resource: LIMIT (-1 = unlimited), COMMITTED (used + reserved) and USED. A reservation is a
 * compareExchange on COMMITTED that refuses to pass the limit, so concurrent reservers never
 * overspend together. Several resources are reserved one after another and rolled back if a later
 * one fails, so no partial reservation is left behind; while that happens another reserver may
 * briefly see the rolled-back amount and fail near the limit (it never succeeds wrongly).
 */
import { z } from 'zod';
import { describeIssues } from '../internal/parse.js';
import { BudgetExhaustedError, DelmError, InvalidConfigError } from '../errors.js';
import type { Budget, BudgetAmount, BudgetLimits, BudgetResource, BudgetSnapshot, Reservation } from './types.js';

/** Structured-cloneable handle: post it to a worker and `SharedBudget.attach` it there. */
export interface BudgetHandle {
  readonly kind: 'delm.budget';
  readonly buffer: SharedArrayBuffer;
}

/** The resources in the order they are reserved (and named in errors). */
export const BUDGET_RESOURCES: readonly BudgetResource[] = ['tokens', 'costMicroUsd', 'modelCalls'];

const MAGIC = 0x6275_6467n; // "budg"
const VERSION = 1n;
const HDR = { MAGIC: 0, VERSION: 1, ID: 2 } as const;
/** Each resource's words sit on their own 64-byte line. */
const base = (i: number) => 8 + i * 8;
const W = { LIMIT: 0, COMMITTED: 1, USED: 2 } as const;
const WORDS = base(BUDGET_RESOURCES.length);

const limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
/** Schema of {@link BudgetLimits}. */
export const BudgetLimitsSchema = z.object({ tokens: limit, costMicroUsd: limit, modelCalls: limit }).strict();

const open = new WeakSet<Reservation>();

class SharedReservation implements Reservation {
  constructor(
    readonly budgetId: bigint,
    readonly amount: Readonly<Required<BudgetAmount>>,
    readonly units: readonly bigint[],
  ) {}
}

/** Converts an amount to integer units (fractions round up); throws INVALID_ARGUMENT for negative or non-finite values. */
function toUnits(amount: BudgetAmount | undefined, what: string): bigint[] {
  return BUDGET_RESOURCES.map((r) => {
    const v = amount?.[r] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new DelmError('INVALID_ARGUMENT', `${what}.${r} must be a finite number ≥ 0, got ${String(v)}`);
    return BigInt(Math.ceil(v));
  });
}

/** Shared-memory implementation of {@link Budget}. */
export class SharedBudget implements Budget {
  readonly handle: BudgetHandle;
  private readonly w: BigInt64Array;
  private readonly id: bigint;

  private constructor(handle: BudgetHandle) {
    if (handle?.kind !== 'delm.budget') throw new DelmError('INVALID_ARGUMENT', 'not a delm budget handle');
    this.handle = handle;
    this.w = new BigInt64Array(handle.buffer);
    if (this.w.length < WORDS || this.w[HDR.MAGIC] !== MAGIC || this.w[HDR.VERSION] !== VERSION) {
      throw new DelmError('INVALID_ARGUMENT', 'not a delm budget handle (bad magic or version)');
    }
    this.id = this.w[HDR.ID]!;
  }

  /** Creates a budget with `limits` (a missing limit is unlimited). Throws InvalidConfigError for bad limits. */
  static create(limits: BudgetLimits = {}): SharedBudget {
    const parsed = BudgetLimitsSchema.safeParse(limits);
    if (!parsed.success) throw new InvalidConfigError('invalid budget limits', describeIssues(parsed.error));
    const buffer = new SharedArrayBuffer(WORDS * 8);
    const w = new BigInt64Array(buffer);
    w[HDR.MAGIC] = MAGIC;
    w[HDR.VERSION] = VERSION;
    w[HDR.ID] = BigInt(Math.floor(Math.random() * 2 ** 52));
    BUDGET_RESOURCES.forEach((r, i) => {
      const l = parsed.data[r];
      w[base(i) + W.LIMIT] = l === undefined ? -1n : BigInt(l);
    });
    return new SharedBudget({ kind: 'delm.budget', buffer });
  }

  /** Opens a budget created elsewhere (another thread) from its handle. */
  static attach(handle: BudgetHandle): SharedBudget {
    return new SharedBudget(handle);
  }

  reserve(amount: BudgetAmount): Reservation {
    const units = toUnits(amount, 'amount');
    for (let i = 0; i < units.length; i++) {
      const failure = this.take(i, units[i]!);
      if (failure) {
        for (let j = 0; j < i; j++) Atomics.sub(this.w, base(j) + W.COMMITTED, units[j]!);
        throw failure;
      }
    }
    const reservation = new SharedReservation(
      this.id,
      Object.freeze(
        Object.fromEntries(BUDGET_RESOURCES.map((r, i) => [r, Number(units[i])])) as Required<BudgetAmount>,
      ),
      units,
    );
    open.add(reservation);
    return reservation;
  }

  /** Adds `n` to resource `i`'s committed total unless that would pass its limit; returns the error if it would. */
  private take(i: number, n: bigint): BudgetExhaustedError | undefined {
    if (n === 0n) return undefined;
    const at = base(i);
    const cap = this.w[at + W.LIMIT]!;
    if (cap < 0n) {
      Atomics.add(this.w, at + W.COMMITTED, n);
      return undefined;
    }
    for (;;) {
      const committed = Atomics.load(this.w, at + W.COMMITTED);
      if (committed + n > cap) return new BudgetExhaustedError(BUDGET_RESOURCES[i]!, Number(cap), Number(committed));
      if (Atomics.compareExchange(this.w, at + W.COMMITTED, committed, committed + n) === committed) return undefined;
    }
  }

  settle(reservation: Reservation, actual: BudgetAmount): void {
    const units = toUnits(actual, 'actual');
    const held = this.close(reservation);
    units.forEach((n, i) => {
      Atomics.add(this.w, base(i) + W.COMMITTED, n - held[i]!);
      Atomics.add(this.w, base(i) + W.USED, n);
    });
  }

  cancel(reservation: Reservation): void {
    this.close(reservation).forEach((n, i) => Atomics.sub(this.w, base(i) + W.COMMITTED, n));
  }

  /** Marks a reservation of this budget settled; throws INVALID_ARGUMENT if it was not open here. */
  private close(reservation: Reservation): readonly bigint[] {
    if (!(reservation instanceof SharedReservation) || reservation.budgetId !== this.id || !open.delete(reservation)) {
      throw new DelmError(
        'INVALID_ARGUMENT',
        'reservation was already settled or cancelled, or was not made by this budget',
      );
    }
    return reservation.units;
  }

  snapshot(): BudgetSnapshot {
    const out = {} as BudgetSnapshot;
    BUDGET_RESOURCES.forEach((r, i) => {
      const at = base(i);
      const used = Atomics.load(this.w, at + W.USED);
      const committed = Atomics.load(this.w, at + W.COMMITTED);
      const cap = this.w[at + W.LIMIT]!;
      // Settle moves COMMITTED and USED in two steps; a reader in between may see them off by that call.
      out[r] = {
        used: Number(used),
        reserved: Math.max(0, Number(committed - used)),
        limit: cap < 0n ? undefined : Number(cap),
      };
    });
    return out;
  }

  exhausted(): BudgetResource | undefined {
    return BUDGET_RESOURCES.find((_, i) => {
      const cap = this.w[base(i) + W.LIMIT]!;
      return cap >= 0n && Atomics.load(this.w, base(i) + W.USED) >= cap;
    });
  }
}
