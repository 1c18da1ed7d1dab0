/**
 * Run-wide budgets shared by every worker: reserve before a model call, settle with what it really
 * used. Reservation is atomic, so many agents cannot overspend together.
 */

/** The metered resources of a run. */
export type BudgetResource = 'tokens' | 'costMicroUsd' | 'modelCalls';

/** An amount of each resource; missing fields are 0. */
export type BudgetAmount = Partial<Record<BudgetResource, number>>;

/** Limits per resource; a missing limit means unlimited. */
export type BudgetLimits = Partial<Record<BudgetResource, number>>;

/** Held between reserve and settle. */
export interface Reservation {
  readonly amount: Readonly<Required<BudgetAmount>>;
}

/** Used, reserved and limit per resource. */
export type BudgetSnapshot = Record<BudgetResource, { used: number; reserved: number; limit: number | undefined }>;

/** Shared run budget. */
export interface Budget {
  /** Reserve `amount` of every resource at once or nothing; throws BudgetExhaustedError naming the first resource that would overflow. */
  reserve(amount: BudgetAmount): Reservation;
  /** Replace the reservation with the actual amount used (which may be more or less). */
  settle(reservation: Reservation, actual: BudgetAmount): void;
  /** Return a reservation unused (the call did not happen). */
  cancel(reservation: Reservation): void;
  snapshot(): BudgetSnapshot;
  /** The first resource whose used amount reached its limit, if any. */
  exhausted(): BudgetResource | undefined;
}

/** Request and token rates shared by every worker (token bucket / GCRA in shared memory). */
export interface RateLimiter {
  /** Wait until one request of `tokens` tokens is admitted under every configured rate. */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
  /** Admit now if possible: returns 0 when admitted, else the ms to wait before trying again. */
  tryAcquire(tokens: number): number;
}

/** Rates per minute; a missing rate is unlimited. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/** The {@link Budget} contract as promises, for backends across processes (the Redis budget). */
export interface AsyncBudget {
  /** Reserve `amount` of every resource at once or nothing; rejects with BudgetExhaustedError naming the first resource that would overflow. */
  reserve(amount: BudgetAmount): Promise<Reservation>;
  /** Replace the reservation with the actual amount used (which may be more or less). */
  settle(reservation: Reservation, actual: BudgetAmount): Promise<void>;
  /** Return a reservation unused (the call did not happen). */
  cancel(reservation: Reservation): Promise<void>;
  snapshot(): Promise<BudgetSnapshot>;
  /** The first resource whose used amount reached its limit, if any. */
  exhausted(): Promise<BudgetResource | undefined>;
}
