/**
 * Run metrics from the main thread's view of a run's events: tokens and call duration (the GenAI
 * client metrics), cost, calls, commits and rejections, queue depth, runs by stop reason. Through
 * `@opentelemetry/api`'s meter: with no SDK registered every instrument is a no-op.
 */
import { metrics, type Attributes, type Counter, type Gauge, type Histogram, type Meter } from '@opentelemetry/api';
import { BoundedMemo } from '../internal/bounded-memo.js';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  DELM,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from './attributes.js';
import { splitModelId } from './model-spans.js';

/** The fields of run events that metrics read (the runtime's events carry more). */
export type MetricEvent =
  | {
      type: 'usage';
      role: string;
      model: string;
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
      latencyMs: number;
    }
  | { type: 'commit'; kind: string }
  | { type: 'reject'; verdict: string }
  | { type: 'queue.snapshot'; stats: { pending: number; claimed: number } }
  | { type: 'run.finished'; stopReason: string }
  | { type: string };

interface Instruments {
  tokens: Histogram;
  duration: Histogram;
  calls: Counter;
  cost: Counter;
  commits: Counter;
  rejections: Counter;
  queueDepth: Gauge;
  runs: Counter;
}

// One set of instruments per meter (a meter provider registered later gets its own).
const byMeter = new WeakMap<Meter, Instruments>();

function instruments(meter: Meter): Instruments {
  let found = byMeter.get(meter);
  if (!found) {
    found = {
      tokens: meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
        unit: '{token}',
        description: 'Tokens per model call, by token type',
      }),
      duration: meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
        unit: 's',
        description: 'Duration of model calls',
      }),
      calls: meter.createCounter('delm.model.calls', { unit: '{call}', description: 'Model calls' }),
      cost: meter.createCounter('delm.cost', { unit: 'USD', description: 'Cost of model calls' }),
      commits: meter.createCounter('delm.ledger.commits', {
        unit: '{entry}',
        description: 'Entries the verifier admitted to the ledger',
      }),
      rejections: meter.createCounter('delm.ledger.rejections', {
        unit: '{proposal}',
        description: 'Proposals the verifier rejected or dropped as duplicates',
      }),
      queueDepth: meter.createGauge('delm.queue.depth', {
        unit: '{task}',
        description: 'Tasks waiting in the queue (pending, not claimed)',
      }),
      runs: meter.createCounter('delm.runs', { unit: '{run}', description: 'Finished runs, by stop reason' }),
    };
    byMeter.set(meter, found);
  }
  return found;
}

/** The event types metrics read; every other event (most of a run's: state changes) is passed over at once. */
const MEASURED = new Set(['usage', 'commit', 'reject', 'queue.snapshot', 'run.finished']);

/** Records one run event. */
export function recordMetrics(event: MetricEvent, meter?: Meter): void {
  if (!MEASURED.has(event.type)) return;
  recordMeasured(event, meter ?? metrics.getMeter('delm'));
}

/** A model call's attributes: of the call, and of its input and output token counts. */
interface CallAttributes {
  readonly call: Attributes;
  readonly input: Attributes;
  readonly output: Attributes;
}

// Attribute sets of the per-call and per-commit metrics, built once per distinct value rather than for
// every event (most runs have no SDK that reads them). Never changed once made: an SDK may keep them.
/** A model call's attributes by model id, then role. */
const callAttributes = new BoundedMemo<string, BoundedMemo<string, CallAttributes>>(64);
/** A commit's attributes by entry kind. */
const kindAttributes = new BoundedMemo<string, Attributes>(64);
/** A rejection's attributes by verdict. */
const VERDICT_ATTRIBUTES = {
  duplicate: { [DELM.VERDICT]: 'duplicate' },
  rejected: { [DELM.VERDICT]: 'rejected' },
} as const satisfies Record<string, Attributes>;

function attributesOfCall(modelId: string, role: string): CallAttributes {
  const byRole = callAttributes.get(modelId) ?? callAttributes.remember(modelId, new BoundedMemo(16));
  const found = byRole.get(role);
  if (found) return found;
  const { provider, model } = splitModelId(modelId);
  const call = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
    [DELM.ROLE]: role,
  };
  return byRole.remember(role, {
    call,
    input: { ...call, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_INPUT },
    output: { ...call, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE_VALUE_OUTPUT },
  });
}

function recordMeasured(event: MetricEvent, meter: Meter): void {
  switch (event.type) {
    case 'usage': {
      const e = event as Extract<MetricEvent, { type: 'usage' }>;
      const m = instruments(meter);
      const attributes = attributesOfCall(e.model, e.role);
      m.tokens.record(e.inputTokens, attributes.input);
      m.tokens.record(e.outputTokens, attributes.output);
      m.duration.record(e.latencyMs / 1000, attributes.call);
      m.calls.add(1, attributes.call);
      m.cost.add(e.costUsd, attributes.call);
      return;
    }
    case 'commit': {
      const { kind } = event as Extract<MetricEvent, { type: 'commit' }>;
      instruments(meter).commits.add(
        1,
        kindAttributes.get(kind) ?? kindAttributes.remember(kind, { 'delm.entry.kind': kind }),
      );
      return;
    }
    case 'reject':
      instruments(meter).rejections.add(
        1,
        VERDICT_ATTRIBUTES[
          (event as Extract<MetricEvent, { type: 'reject' }>).verdict === 'duplicate' ? 'duplicate' : 'rejected'
        ],
      );
      return;
    case 'queue.snapshot':
      instruments(meter).queueDepth.record((event as Extract<MetricEvent, { type: 'queue.snapshot' }>).stats.pending);
      return;
    case 'run.finished':
      instruments(meter).runs.add(1, {
        [DELM.STOP_REASON]: (event as Extract<MetricEvent, { type: 'run.finished' }>).stopReason,
      });
      return;
  }
}
