/**
 * What a baseline run shares with a swarm run: the same model, price table, run-wide budget and rate
 * limiter, metered the same way (every call reserved, settled and reported as a usage event), plus
 * the wall-time budget and the caller's AbortSignal folded into one signal.
 */
import { SharedBudget } from '../budget/shared-budget.js';
import { SharedRateLimiter } from '../budget/rate-limiter.js';
import { AbortedError, BudgetExhaustedError, DelmError } from '../errors.js';
import type { LanguageModel } from '../providers/types.js';
import { clipText, type SwarmEvent, type ToolResultEvent, type UsageEvent } from '../runtime/events.js';
import { callListener } from '../runtime/listener.js';
import { loadToolbox, type RunTools } from '../tools/loader.js';
import { withToolLoop } from '../tools/loop.js';
import { meterModel } from '../runtime/meter.js';
import { checkModelRef, loadModel } from '../runtime/model-loader.js';
import type { ResolvedSwarmOptions } from '../runtime/options.js';
import type { StopReason } from '../runtime/run.js';

/** One baseline run's model, signal, clock and call records. */
export class HubContext {
  readonly started = Date.now();
  readonly calls: UsageEvent[] = [];
  /** Every tool call's result event, in order (runs with tools only). */
  readonly toolCalls: ToolResultEvent[] = [];
  readonly signal: AbortSignal;
  private readonly wallTime: AbortController = new AbortController();
  private readonly cancelled: AbortController = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private models = new Map<string, LanguageModel>();
  /** Model calls not yet settled: {@link finish} waits for them, so each is in the records. */
  private readonly inFlight = new Set<Promise<unknown>>();

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
    else if (stamped.type === 'tool.result') this.toolCalls.push(stamped);
    callListener(this.onEvent, stamped);
  }

  /** The metered model as `role` (agent id 0 is the manager or the single pass; 1..N are workers). */
  model(agentId: number, role: string): LanguageModel {
    const key = `${agentId}:${role}`;
    let model = this.models.get(key);
    if (!model) {
      const metered = meterModel(this.base, {
        agentId,
        role,
        budget: this.budget,
        rateLimiter: this.rateLimiter,
        emit: (e) => this.emit(e),
        prices: this.options.prices,
      });
      model = { id: metered.id, complete: (request) => this.track(metered.complete(request)) };
      this.models.set(key, model);
    }
    return model;
  }

  /** `call`, kept in {@link inFlight} until it settles. */
  private track<T>(call: Promise<T>): Promise<T> {
    this.inFlight.add(call);
    const settled = () => void this.inFlight.delete(call);
    call.then(settled, settled);
    return call;
  }

  /**
   * Worker `agentId`'s model with the run's tools (its own toolbox, results labelled `R<agentId>.t<n>`)
   * when the options name tools (plus what the run adds, as a protocol's `runTools` does), else the
   * plain metered model; tool costs are charged to the budget.
   */
  async toolModel(agentId: number, role: string, run?: RunTools): Promise<LanguageModel> {
    const model = this.model(agentId, role);
    const tools = this.options.tools;
    if (!tools) return model;
    const key = `${agentId}:${role}:tools`;
    let looped = this.models.get(key);
    if (!looped) {
      const toolbox = await loadToolbox(tools, agentId, run);
      looped = withToolLoop(model, toolbox, {
        roles: [role],
        hooks: {
          beforeCall: (call, costUsd, request) => {
            if (costUsd > 0) {
              const costMicroUsd = Math.round(costUsd * 1e6);
              this.budget.settle(this.budget.reserve({ costMicroUsd }), { costMicroUsd });
            }
            this.emit({
              type: 'tool.called',
              agentId,
              taskId: request.context?.taskId,
              tool: call.name,
              callId: call.id,
              input: clipText(JSON.stringify(call.input) ?? 'null', 500),
            });
          },
          afterCall: (r, request) =>
            this.emit({
              type: 'tool.result',
              agentId,
              taskId: request.context?.taskId,
              tool: r.tool,
              callId: r.callId,
              label: r.label,
              hash: r.hash,
              bytes: r.bytes,
              truncated: r.truncated,
              latencyMs: r.latencyMs,
              costUsd: r.costUsd,
              ...(r.error ? { error: r.error } : {}),
            }),
        },
      });
      this.models.set(key, looped);
    }
    return looped;
  }

  /** Why a baseline run ended, from the error that ended it. */
  stopReasonOf(error: unknown): StopReason {
    if (error instanceof BudgetExhaustedError) return 'budget';
    if (this.wallTime.signal.aborted) return 'wall-time';
    if (error instanceof AbortedError || this.signal.aborted) return 'aborted';
    if (error instanceof DelmError && error.code === 'ABORTED') return 'aborted';
    return 'error';
  }

  /**
   * The error that ended a baseline run as its result says it: its stable code first when it was one of
   * delm's (`RATE_LIMITED: openai rate limit …`), as a swarm run's `errorText` does, so the records of
   * every mode say what stopped them alike.
   */
  errorTextOf(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof DelmError ? `${error.code}: ${message}` : message;
  }

  /** Announces the run. */
  start(runId: string, tasks: number): void {
    this.emit({ type: 'run.started', runId, agents: this.options.agents, tasks });
  }

  /**
   * Ends the run: calls still in flight (a wave's other workers after one failed) are aborted, and
   * waited for (at most `stopGraceMs`), so each is metered and recorded before the run's usage is
   * summed: their requests reached the provider too.
   */
  async finish(stopReason: StopReason): Promise<void> {
    clearTimeout(this.timer);
    this.cancelled.abort(new DelmError('ABORTED', `the run ended (${stopReason})`));
    if (this.inFlight.size > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(this.inFlight),
        new Promise((resolve) => (grace = setTimeout(resolve, this.options.stopGraceMs))),
      ]);
      clearTimeout(grace);
    }
    this.emit({ type: 'run.finished', stopReason });
  }
}
