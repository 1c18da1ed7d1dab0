/**
 * Metering of every model call a run makes. Before a call, an upper bound of what it can cost is
 * reserved from the run's shared budget: its prompt counted with the tokenizer (plus message framing
 * and the structured-output schema), `maxTokens` of output, priced with the price table. A call whose
 * bound does not fit is refused (BUDGET_EXHAUSTED) and never reaches the model. After the call the
 * reservation is settled with what the model reported; a call that failed is settled with what its
 * error says it used ({@link spentUsage}: a reply it was billed for but could not use), else with
 * nothing but the call. A "call" is one request to the model: the provider layer reports each request
 * of a `complete()` (see `RequestMeter`), so a structured-output repair is a call of its own, reserved
 * before it is sent (a budget may refuse it), counted, and recorded with its own prompt; a custom
 * model's `complete()` is one call, whatever it does inside. The call is counted in the run's shared usage
 * counters as it is handed to the model, and its tokens as they come back, so usage survives a worker
 * that dies right after. The shared rate limiter is honoured and one usage event is emitted per call,
 * failed ones included. A run meters
 * only against the limits it has ({@link meteredLimits}): with no budget nothing is reserved, with no
 * rate nothing is waited for, and when no limit depends on tokens or cost (`countPrompt: false`) a
 * call reserves only itself, its prompt not counted at all.
 *
 * Overspend bound: a budget is exceeded only by calls that report more than their reservation (a
 * provider whose tokenizer counts the prompt higher than o200k_base does, a custom model that makes
 * more than one request per call or reports a cost above its price-table entry or is not in the
 * table), and only by that excess; a model that reports within its reservation never overspends.
 */
import type { z } from 'zod';
import { spentUsage } from '../errors.js';
import type { AsyncBudget, Budget, BudgetAmount, RateLimiter, Reservation } from '../budget/types.js';
import { DEFAULT_PRICES, withPrices, type PriceTable } from '../providers/pricing.js';
import { inputJsonSchema } from '../providers/json-schema.js';
import { countTokens } from '../providers/tokenizer.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from '../providers/types.js';
import { REQUEST_METER, type RequestMeter, type RequestUsage } from '../providers/request-meter.js';
import { extend } from '../internal/extend.js';
import type { UsageEvent } from './events.js';
import type { ResolvedSwarmOptions } from './options.js';
import type { SharedUsage } from './shared-usage.js';

/** What metering needs from its host. */
export interface MeterOptions {
  agentId: number;
  role: string;
  /** The run's budget: in shared memory, or across processes (Redis), where each step is a round trip. */
  budget: Budget | AsyncBudget | undefined;
  rateLimiter: Pick<RateLimiter, 'acquire'> | undefined;
  emit: (event: Omit<UsageEvent, 'at'>) => void;
  /** Prices the reservation is priced with, merged over the default table. */
  prices?: PriceTable | undefined;
  /** The run's shared usage counters; each call is counted there under `agentId`. */
  usage?: SharedUsage | undefined;
  /**
   * Whether a limit depends on a call's tokens or cost (a token or cost budget, a tokens-per-minute
   * rate, or limits stored elsewhere, as a run on Redis has): only then is the prompt counted before
   * the call. Otherwise a call reserves only itself. Default true.
   */
  countPrompt?: boolean | undefined;
}

/** Output tokens reserved when a request sets no `maxTokens` (the providers' default). */
export const DEFAULT_MAX_TOKENS = 1_024;
/** What a call reserves when nothing limits tokens or cost: the call itself. */
const CALL_ONLY: Required<BudgetAmount> = Object.freeze({ tokens: 0, costMicroUsd: 0, modelCalls: 1 });
/** What a failed call that says nothing of its usage is counted as. */
const NOTHING_USED = Object.freeze({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
/** Tokens a chat API adds per message (role, separators) and once to prime the reply. */
const FRAMING_TOKENS = 4;

const schemaTokens = new WeakMap<object, number>();
function schemaCost(schema: z.ZodType<unknown> | undefined): number {
  if (!schema) return 0;
  let n = schemaTokens.get(schema);
  if (n === undefined) {
    try {
      n = countTokens(JSON.stringify(inputJsonSchema(schema)));
    } catch {
      n = 0; // a schema with no JSON form is not sent to the model either
    }
    schemaTokens.set(schema, n);
  }
  return n;
}

/** Prompt tokens of the tools offered and of the step's earlier tool calls and results. */
function toolTokens(request: CompletionRequest<unknown>): number {
  let n = request.tools?.length ? countTokens(JSON.stringify(request.tools)) : 0;
  for (const turn of request.toolTurns ?? []) {
    n += countTokens(turn.text) + FRAMING_TOKENS;
    for (const c of turn.calls) n += countTokens(`${c.name} ${JSON.stringify(c.input) ?? ''}`) + FRAMING_TOKENS;
    for (const r of turn.results) n += countTokens(r.content) + FRAMING_TOKENS;
  }
  return n;
}

/** The upper bound reserved for one call of model `modelId` (see the module comment). */
export function reservationFor(
  modelId: string,
  request: CompletionRequest<unknown>,
  prices: PriceTable,
): Required<BudgetAmount> {
  const input =
    countTokens(request.system ?? '') +
    request.messages.reduce((n, m) => n + countTokens(m.content) + FRAMING_TOKENS, FRAMING_TOKENS) +
    schemaCost(request.schema) +
    toolTokens(request);
  const output = request.maxTokens ?? DEFAULT_MAX_TOKENS;
  const price = prices[modelId];
  // USD per million tokens × tokens = micro-dollars. An unpriced model reserves 1 µ$, so a spent cost budget still refuses it.
  const costMicroUsd = price ? Math.ceil(input * price.input + output * price.output) : 1;
  return { tokens: input + output, costMicroUsd, modelCalls: 1 };
}

/** What a run's calls are metered against: a budget, a rate limiter, and whether either depends on a call's prompt. */
export interface MeteredLimits {
  /** A limit on tokens, cost or calls. */
  readonly budget: boolean;
  /** A limit on requests or tokens per minute. */
  readonly rate: boolean;
  /** A limit on tokens or cost, or on tokens per minute: each call's prompt must be counted (see {@link MeterOptions.countPrompt}). */
  readonly prompt: boolean;
}

/**
 * The limits a run with these options meters its calls against. A run on Redis has them all: its
 * limits are its creator's, stored with the run, not this process's options.
 */
export function meteredLimits(
  options: Pick<ResolvedSwarmOptions, 'budgets' | 'rateLimits' | 'substrate'>,
): MeteredLimits {
  const { budgets, rateLimits, substrate } = options;
  const redis = substrate?.redis !== undefined;
  const tokensOrCost = budgets.tokens !== undefined || budgets.costUsd !== undefined;
  return {
    budget: redis || tokensOrCost || budgets.modelCalls !== undefined,
    rate: redis || rateLimits.requestsPerMinute !== undefined || rateLimits.tokensPerMinute !== undefined,
    prompt: redis || tokensOrCost || rateLimits.tokensPerMinute !== undefined,
  };
}

/**
 * Counts a call handed to the model with what it used, settles its reservation and reports it (a
 * usage event). Not a closure made per call: one would live across the call's wait, and with a
 * thousand agents in flight such objects outlive young-generation collections.
 */
function recordCall(
  options: MeterOptions,
  request: CompletionRequest<unknown>,
  reservation: Reservation | undefined,
  call: Pick<CompletionResult<unknown>, 'usage' | 'costUsd' | 'model' | 'latencyMs'>,
): Promise<void> | void {
  const { usage, costUsd } = call;
  const { inputTokens, outputTokens, cachedInputTokens } = usage;
  options.usage?.addUsage(options.agentId, usage, costUsd);
  const emit = () =>
    options.emit({
      type: 'usage',
      agentId: options.agentId,
      role: request.context?.role ?? options.role,
      model: call.model,
      taskId: request.context?.taskId,
      inputTokens,
      outputTokens,
      cachedInputTokens,
      costUsd,
      latencyMs: call.latencyMs,
    });
  if (!reservation) return emit();
  const settled = options.budget!.settle(reservation, {
    tokens: inputTokens + outputTokens,
    modelCalls: 1,
    costMicroUsd: Math.round(costUsd * 1e6),
  });
  return settled instanceof Promise ? settled.then(emit) : emit();
}

/**
 * Reserves what a request of `request`'s shape may cost and waits for the rate limiter: the
 * reservation (undefined without a budget), or a rejection (BUDGET_EXHAUSTED, an abort) with nothing
 * left reserved.
 */
async function admit(
  options: MeterOptions,
  modelId: string,
  request: CompletionRequest<unknown>,
  prices: PriceTable,
): Promise<Reservation | undefined> {
  const bound = options.countPrompt === false ? CALL_ONLY : reservationFor(modelId, request, prices);
  // A shared-memory budget answers at once; only a budget across processes is awaited.
  const reserved = options.budget?.reserve(bound);
  const reservation = reserved instanceof Promise ? await reserved : reserved;
  try {
    // Awaited only when there is one: an `await` of nothing still costs a turn of the microtask queue.
    const acquiring = options.rateLimiter?.acquire(bound.tokens, request.signal);
    if (acquiring) await acquiring;
  } catch (error) {
    if (reservation) await options.budget!.cancel(reservation);
    throw error;
  }
  return reservation;
}

/**
 * The meter of one `complete()` whose model reports each of its requests (see {@link RequestMeter}):
 * the first request is admitted by {@link meterModel} before the call, a later one (a repair) here,
 * and each is recorded as a call of its own when its reply comes.
 */
class CallMeter implements RequestMeter {
  /** A request was sent (admitted, counted) and is not recorded yet; its reservation. */
  inFlight = true;
  /** The model reported at least one request: the call's requests are recorded, not the call. */
  reported = false;
  started = performance.now();

  constructor(
    private readonly options: MeterOptions,
    private readonly modelId: string,
    private readonly prices: PriceTable,
    private readonly request: CompletionRequest<unknown>,
    public reservation: Reservation | undefined,
  ) {}

  async beforeRequest(next: CompletionRequest<unknown>): Promise<void> {
    this.reservation = await admit(this.options, this.modelId, next, this.prices);
    this.options.usage?.callStarted(this.options.agentId);
    this.inFlight = true;
    this.started = performance.now();
  }

  async afterRequest(reply: RequestUsage): Promise<void> {
    this.reported = true;
    this.inFlight = false;
    const recorded = recordCall(this.options, this.request, this.reservation, reply);
    if (recorded) await recorded;
  }
}

/**
 * Wraps a model so every call is budgeted, rate limited, counted and reported. A model of delm's
 * provider layer reports each HTTP request of a call through the request's {@link RequestMeter}: a
 * structured-output repair is then a model call of its own (reserved first, so a budget can refuse it;
 * counted; one usage event with its own prompt). A model that does not (a custom one) is metered per
 * call, whatever it does inside.
 */
export function meterModel(model: LanguageModel, options: MeterOptions): LanguageModel {
  const prices = options.prices ? withPrices(options.prices) : DEFAULT_PRICES;
  return {
    id: model.id,
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const meter = new CallMeter(options, model.id, prices, request, await admit(options, model.id, request, prices));
      let result: CompletionResult<T>;
      try {
        options.usage?.callStarted(options.agentId);
        result = await model.complete(extend(request, { [REQUEST_METER]: meter }));
      } catch (error) {
        // The request in flight when the call failed, if it was not recorded yet: with what it received
        // (a reply it was billed for, or, from a model that reports no requests, every reply of the call).
        if (meter.inFlight) {
          const spent = spentUsage(error) ?? { usage: NOTHING_USED, costUsd: 0 };
          const call = {
            usage: spent.usage,
            costUsd: spent.costUsd,
            model: model.id,
            latencyMs: performance.now() - meter.started,
          };
          const recorded = recordCall(options, request, meter.reservation, call);
          if (recorded) await recorded;
        }
        throw error;
      }
      if (!meter.reported) {
        const recorded = recordCall(options, request, meter.reservation, result);
        if (recorded) await recorded;
      }
      return result;
    },
  };
}
