/**
 * What a baseline run shares with a swarm run: the same model, price table, run-wide budget and rate
 * limiter, metered the same way (every call reserved, settled and reported as a usage event), plus
 * the wall-time budget and the caller's AbortSignal folded into one signal.
 */
import { SharedBudget } from '../budget/shared-budget.js';
import { SharedRateLimiter } from '../budget/rate-limiter.js';
import { AbortedError, BudgetExhaustedError, DelmError } from '../errors.js';
import type { LanguageModel } from '../providers/types.js';
import type { SwarmEvent, UsageEvent } from '../runtime/events.js';
import { meterModel } from '../runtime/meter.js';
import { checkModelRef, loadModel } from '../runtime/model-loader.js';
import type { ResolvedSwarmOptions } from '../runtime/options.js';
import type { StopReason } from '../runtime/run.js';

/** One baseline run's model, signal, clock and call records. */
export class HubContext {
  readonly started = Date.now();
  readonly calls: UsageEvent[] = [];
  readonly signal: AbortSignal;
  private readonly wallTime: AbortController = new AbortController();
  private readonly cancelled: AbortController = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private models = new Map<string, LanguageModel>();

  private constructor(
    private readonly base: LanguageModel,
    private readonly options: ResolvedSwarmOptions,
    private readonly budget: SharedBudget,
    private readonly rateLimiter: SharedRateLimiter,
    private readonly onEvent: ((event: SwarmEvent) => void) | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.signal = AbortSignal.any([...(signal ? [signal] : []), this.wallTime.signal, this.cancelled.signal]);
    const limit = options.budgets.wallTimeMs;
    if (limit)
      this.timer = setTimeout(() => this.wallTime.abort(new DelmError('ABORTED', 'wall-time budget reached')), limit);
  }

  /** Loads the model (checking its key first) and sets up the budget and rate limiter. */
  static async create(
    options: ResolvedSwarmOptions,
    onEvent: ((event: SwarmEvent) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HubContext> {
    await checkModelRef(options.model);
    const base = await loadModel(options.model, options.prices);
    const { tokens, costUsd, modelCalls } = options.budgets;
    const budget = SharedBudget.create({
      ...(tokens ? { tokens } : {}),
      ...(costUsd ? { costMicroUsd: Math.round(costUsd * 1e6) } : {}),
      ...(modelCalls ? { modelCalls } : {}),
    });
    const { requestsPerMinute, tokensPerMinute, burstWindowMs } = options.rateLimits;
    const rateLimiter = SharedRateLimiter.create({
      ...(requestsPerMinute ? { requestsPerMinute } : {}),
      ...(tokensPerMinute ? { tokensPerMinute } : {}),
      ...(burstWindowMs ? { burstWindowMs } : {}),
    });
    return new HubContext(base, options, budget, rateLimiter, onEvent, signal);
  }

  /** Milliseconds since the run started. */
  now(): number {
    return Date.now() - this.started;
  }

  /** Emits an event stamped with the run time. */
  emit(event: SwarmEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> : never) : never): void {
    const stamped = { ...event, at: this.now() };
    if (stamped.type === 'usage') this.calls.push(stamped);
    this.onEvent?.(stamped);
  }

  /** The metered model as `role` (agent id 0 is the manager or the single pass; 1..N are workers). */
  model(agentId: number, role: string): LanguageModel {
    const key = `${agentId}:${role}`;
    let model = this.models.get(key);
    if (!model) {
      model = meterModel(this.base, {
        agentId,
        role,
        budget: this.budget,
        rateLimiter: this.rateLimiter,
        emit: (e) => this.emit(e),
        prices: this.options.prices,
      });
      this.models.set(key, model);
    }
    return model;
  }

  /** Why a baseline run ended, from the error that ended it. */
  stopReasonOf(error: unknown): StopReason {
    if (error instanceof BudgetExhaustedError) return 'budget';
    if (this.wallTime.signal.aborted) return 'wall-time';
    if (error instanceof AbortedError || this.signal.aborted) return 'aborted';
    if (error instanceof DelmError && error.code === 'ABORTED') return 'aborted';
    return 'error';
  }

  /** Announces the run. */
  start(runId: string, tasks: number): void {
    this.emit({ type: 'run.started', runId, agents: this.options.agents, tasks });
  }

  /** Ends the run: calls still in flight (a wave's other workers after one failed) are aborted. */
  finish(stopReason: StopReason): void {
    clearTimeout(this.timer);
    this.cancelled.abort(new DelmError('ABORTED', `the run ended (${stopReason})`));
    this.emit({ type: 'run.finished', stopReason });
  }
}
