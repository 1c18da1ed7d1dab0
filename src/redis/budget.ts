/**
 * The run budget on Redis ({@link AsyncBudget}): reserve and settle are each one call of the delm
 * library (functions/budget.lua.ts), so processes on any machine never overspend together. Every
 * reservation carries an expiry: one whose process died before settling returns to the pool.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BudgetExhaustedError, DelmError } from '../errors.js';
import { parseConfig } from '../internal/parse.js';
import type { AsyncBudget, BudgetAmount, BudgetResource, BudgetSnapshot, Reservation } from '../budget/types.js';
import { connect, fcall, runPrefix, type RedisClient, type RedisTarget } from './client.js';
import { FN, ensureLibrary } from './library.js';

const limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional();
/** Options of {@link RedisBudget.open} (validated); limits take effect when the run's budget is first created. */
export const RedisBudgetOptionsSchema = z
  .object({
    runId: z.string().min(1),
    tokens: limit,
    costMicroUsd: limit,
    modelCalls: limit,
    /** How long a reservation holds its amount before it returns to the pool unsettled. */
    reservationTtlMs: z.number().int().min(1).max(86_400_000).default(600_000),
  })
  .strict();

/** Options of {@link RedisBudget.open}. */
export type RedisBudgetOptions = z.input<typeof RedisBudgetOptionsSchema>;

const RESOURCES: readonly BudgetResource[] = ['tokens', 'costMicroUsd', 'modelCalls'];
const LUA_NAMES: Record<string, BudgetResource> = { tokens: 'tokens', cost: 'costMicroUsd', calls: 'modelCalls' };

class RedisReservation implements Reservation {
  constructor(
    readonly id: string,
    readonly prefix: string,
    readonly amount: Readonly<Required<BudgetAmount>>,
  ) {}
}

function units(amount: BudgetAmount | undefined, what: string): string[] {
  return RESOURCES.map((r) => {
    const v = amount?.[r] ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new DelmError('INVALID_ARGUMENT', `${what}.${r} must be a finite number ≥ 0, got ${String(v)}`);
    return String(Math.ceil(v));
  });
}

/** Redis implementation of {@link AsyncBudget}. */
export class RedisBudget implements AsyncBudget {
  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    /** The run's key prefix, `delm:{<runId>}:`. */
    readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  /** Opens the budget of a run, creating it with these limits if the run has none yet (a missing limit is unlimited). */
  static async open(target: RedisTarget, options: RedisBudgetOptions): Promise<RedisBudget> {
    const o = parseConfig(RedisBudgetOptionsSchema, options, 'invalid Redis budget options');
    const prefix = runPrefix(o.runId);
    const { client, owned } = await connect(target);
    try {
      await ensureLibrary(client);
      await fcall(
        client,
        `${FN}b_init`,
        prefix,
        RESOURCES.map((r) => (o[r] === undefined ? '' : String(o[r]))),
      );
      return new RedisBudget(client, owned, prefix, o.reservationTtlMs);
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
  }

  async reserve(amount: BudgetAmount): Promise<Reservation> {
    const n = units(amount, 'amount');
    const id = randomUUID();
    const reply = (await fcall(this.client, `${FN}b_reserve`, this.prefix, [id, ...n, String(this.ttlMs)])) as [
      number,
      string?,
      number?,
      number?,
    ];
    if (reply[0] !== 1) throw new BudgetExhaustedError(LUA_NAMES[reply[1]!]!, reply[2]!, reply[3]!);
    const held = Object.fromEntries(RESOURCES.map((r, i) => [r, Number(n[i])])) as Required<BudgetAmount>;
    return new RedisReservation(id, this.prefix, Object.freeze(held));
  }

  private own(reservation: Reservation): RedisReservation {
    if (!(reservation instanceof RedisReservation) || reservation.prefix !== this.prefix)
      throw new DelmError('INVALID_ARGUMENT', 'reservation was not made by this budget');
    return reservation;
  }

  /** Settles with the actual use (counted even when the reservation had expired and returned to the pool). */
  async settle(reservation: Reservation, actual: BudgetAmount): Promise<void> {
    await this.settleReporting(reservation, actual);
  }

  /** {@link settle}, telling whether the reservation was still open (false: it had expired and returned). */
  async settleReporting(reservation: Reservation, actual: BudgetAmount): Promise<boolean> {
    const n = units(actual, 'actual');
    const id = this.own(reservation).id;
    return (await fcall(this.client, `${FN}b_settle`, this.prefix, [id, ...n])) === 1;
  }

  async cancel(reservation: Reservation): Promise<void> {
    await fcall(this.client, `${FN}b_settle`, this.prefix, [this.own(reservation).id, 'cancel']);
  }

  async snapshot(): Promise<BudgetSnapshot> {
    const v = (await fcall(this.client, `${FN}b_snapshot`, this.prefix, [])) as number[];
    const out = {} as BudgetSnapshot;
    RESOURCES.forEach((r, i) => {
      const [limitValue, committed, used] = [v[i * 3]!, v[i * 3 + 1]!, v[i * 3 + 2]!];
      out[r] = { used, reserved: Math.max(0, committed - used), limit: limitValue < 0 ? undefined : limitValue };
    });
    return out;
  }

  async exhausted(): Promise<BudgetResource | undefined> {
    const s = await this.snapshot();
    return RESOURCES.find((r) => s[r].limit !== undefined && s[r].used >= s[r].limit);
  }

  /** Closes this process's connection (the budget lives on in Redis). */
  async disconnect(): Promise<void> {
    if (this.owned) await this.client.close();
  }
}
