/** Swarm options: validated with zod at the boundary, complete with defaults inside. */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { moduleFileProblem } from '../internal/module-ref.js';
import { parseConfig } from '../internal/parse.js';
import { parseModelSpec } from '../providers/spec.js';
import { BUILT_IN_PROTOCOL_NAMES } from '../protocols/registry.js';
import type { Logger } from '../logging/logger.js';
import { ToolsOptionsSchema } from '../tools/options.js';

const latencyMs = z.number().min(0).max(600_000);

/** The shortest expiry of a process's member key in Redis, ms (`substrate.redis.memberTtlMs`). */
export const MIN_MEMBER_TTL_MS = 300;

/**
 * A model: a model string (`offline`, `openai:gpt-4.1-mini`, …), the offline model with simulated
 * LLM latency (`{ provider: 'offline', latency: { perCallMs, perOutputTokenMs } }`: benchmarks and
 * demos), or a module exporting a factory (tests, custom models).
 */
export const ModelRefSchema = z.union(
  [
    z.string().min(1),
    z
      .object({
        provider: z.literal('offline'),
        latency: z
          .object({ perCallMs: latencyMs.optional(), perOutputTokenMs: latencyMs.optional() })
          .strict()
          .optional(),
      })
      .strict(),
    z
      .object({
        module: z.string().min(1),
        export: z.string().optional(),
        options: z.unknown().optional(),
        /** Per-call timeout, ms (default: the built-in providers' 120 s per attempt). */
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict(),
  ],
  {
    error:
      "expected a model string ('offline', 'openai:<model>', …), { provider: 'offline', latency? } or { module, export?, options?, timeoutMs? }",
  },
);
/** See {@link ModelRefSchema}. */
export type ModelRef = z.infer<typeof ModelRefSchema>;

const positiveInt = z.number().int().positive();

/** Most agents a swarm runs when they share threads (`threads`). */
export const MAX_AGENTS = 10_000;
/** Most agents with one worker thread each (no `threads`): above it, agents share threads by default. */
export const MAX_AGENTS_ONE_PER_THREAD = 256;

/**
 * The worker threads `agents` agents get when `threads` is not given: none of their own up to
 * {@link MAX_AGENTS_ONE_PER_THREAD} agents (one thread each, the design's default); above it, one
 * thread per core of this machine (`os.availableParallelism()`), since agents waiting on model calls
 * need few threads and more threads than cores only add memory (~18 MiB an idle one).
 */
export function defaultThreads(agents: number): number | undefined {
  return agents > MAX_AGENTS_ONE_PER_THREAD ? Math.min(MAX_AGENTS_ONE_PER_THREAD, availableParallelism()) : undefined;
}

/** Everything `createSwarm` accepts. */
export const SwarmOptionsSchema = z
  .object({
    /** Agents: each an XState machine, in a worker thread of its own unless `threads` is set. */
    agents: z.number().int().min(1).max(MAX_AGENTS).default(4),
    /**
     * Worker threads that host the agents, many agent machines per thread (at most `agents`; the
     * verifier keeps a thread of its own). Absent: one thread per agent, as far as
     * {@link MAX_AGENTS_ONE_PER_THREAD} agents; above that, one per core ({@link defaultThreads}), which
     * the resolved options and each run's `run.started` event carry.
     */
    threads: z.number().int().min(1).max(MAX_AGENTS_ONE_PER_THREAD).optional(),
    /**
     * How many notches (Linux nice values) below the verifier's thread the agents' worker threads are
     * scheduled, so the single writer runs as soon as a proposal wakes it even when agents keep every
     * core busy (0: every thread at the process's priority). Nothing changes where threads have no
     * priority of their own.
     */
    agentNice: z.number().int().min(0).max(19).default(5),
    model: ModelRefSchema.default('offline'),
    /** Price overrides, USD per million tokens, keyed by model id (`openai:gpt-4.1-mini`). */
    prices: z
      .record(
        z.string(),
        z.object({ input: z.number().min(0), cachedInput: z.number().min(0), output: z.number().min(0) }).strict(),
      )
      .optional(),
    /** Model of the verifier's judge; no judge when absent (deterministic checks only). */
    judgeModel: ModelRefSchema.optional(),
    /**
     * The protocol: `'delm'` (gists, unfolding, evidence-checked verification; the default), `'basic'`
     * (the smallest complete protocol, which the scripted test models speak), `'debug'` (simultaneous
     * debugging of a workspace's failing tests), or a module of your own.
     */
    protocol: z
      .union(
        [
          z.enum(BUILT_IN_PROTOCOL_NAMES),
          z.object({ module: z.string().min(1), export: z.string().optional() }).strict(),
        ],
        { error: `expected ${BUILT_IN_PROTOCOL_NAMES.map((n) => `'${n}'`).join(', ')} or { module, export? }` },
      )
      .default('delm'),
    budgets: z
      .object({
        tokens: positiveInt.optional(),
        costUsd: z.number().positive().optional(),
        modelCalls: positiveInt.optional(),
        wallTimeMs: positiveInt.optional(),
      })
      .strict()
      .default({}),
    rateLimits: z
      .object({
        requestsPerMinute: positiveInt.optional(),
        tokensPerMinute: positiveInt.optional(),
        /** Burst allowance as a time window of the rate (default one minute: a full minute's worth may go at once). */
        burstWindowMs: positiveInt.optional(),
      })
      .strict()
      .default({}),
    /**
     * Tools every agent may call inside its step (built-ins by name, or modules every worker imports),
     * the workspace folder they are confined to, and the step's limits. No tools when absent.
     */
    tools: ToolsOptionsSchema.optional(),
    leaseMs: positiveInt.default(30_000),
    /** Lease extension interval while thinking; a third of the lease when absent. */
    leaseExtendMs: positiveInt.optional(),
    maxRounds: positiveInt.max(100).default(3),
    /**
     * Retries of a model call that failed with a retryable error, made by the agent (its steps and
     * final decision) and by the verifier (its judge's checks). Only custom models (`{ module }`) reach
     * them: the built-in providers retry each request themselves (`RetryOptions` of the provider layer:
     * at most 5 HTTP requests) and give up with a final, non-retryable error that nothing retries
     * again. A sub-task whose call was retried `maxRetries` times fails for good (it is not re-queued
     * under `maxAttempts`), so no two layers ever multiply their retries.
     */
    retry: z
      .object({
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: positiveInt.default(30_000),
        maxRetries: z.number().int().min(0).max(20).default(3),
      })
      .strict()
      .default({ baseDelayMs: 500, maxDelayMs: 30_000, maxRetries: 3 }),
    /**
     * Attempts per sub-task before it is failed (a crashed agent's expired lease counts). A failure
     * counts as an attempt and re-queues the sub-task only when it may pass on another try and was not
     * retried already: a plain `Error`, not a retryable error that `retry` or the provider layer gave up on.
     */
    maxAttempts: positiveInt.max(100).default(3),
    /** Ledger limits: at the limit the run ends with reason `error` (LEDGER_FULL) and keeps what was committed. */
    ledger: z
      .object({
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(2 ** 31 - 1)
          .optional(),
        maxEntries: z.number().int().min(16).max(16_000_000).optional(),
      })
      .strict()
      .default({}),
    queue: z.object({ maxTasks: positiveInt.optional(), maxArenaBytes: positiveInt.optional() }).strict().default({}),
    /** How long agents get to stop on their own after an abort before their threads are terminated. */
    stopGraceMs: z.number().int().min(0).default(2_000),
    /**
     * OpenTelemetry: spans and metrics go to the SDK the application registered (none: no cost).
     * `captureContent` puts prompt and completion text on model-call spans.
     */
    telemetry: z
      .object({ enabled: z.boolean().default(true), captureContent: z.boolean().default(false) })
      .strict()
      .default({ enabled: true, captureContent: false }),
    /** A worker thread whose heartbeat has not moved for this long (a blocked event loop) is terminated and replaced. */
    heartbeatTimeoutMs: z.number().int().min(100).default(10_000),
    /**
     * Where the run's queue, ledger, proposals, budget and rate limiter live: shared memory (the
     * default, one process) or Redis (`{ redis: { url } }`), so `delm worker` processes on any machine
     * can join the run and `delm resume` can pick it up after this process died. The expiries are the
     * run creator's: a process joining the run uses the ones stored with it.
     */
    substrate: z
      .object({
        redis: z
          .object({
            url: z.string().min(1),
            /**
             * Events of a run kept in its event stream in Redis (\`XADD MAXLEN ~\`, oldest dropped first),
             * which any process can read and \`delm serve --redis\` streams as SSE. Default 10,000.
             */
            maxEvents: z.number().int().min(1).max(10_000_000).optional(),
            /** How long a finished or stopped run's keys stay in Redis, ms (default 7 days); a running run's never expire. */
            keepFinishedMs: z.number().int().min(1).optional(),
            /** Expiry of each process's member key, ms (default 10 s, refreshed every third): a dead process drops out after it. */
            memberTtlMs: z.number().int().min(MIN_MEMBER_TTL_MS).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** V8 heap limits of every worker thread (piscina `resourceLimits`); a worker past them dies and is replaced. */
    workerResourceLimits: z
      .object({
        maxOldGenerationSizeMb: positiveInt.optional(),
        maxYoungGenerationSizeMb: positiveInt.optional(),
        stackSizeMb: positiveInt.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((o) => o.judgeModel !== 'offline' && !(typeof o.judgeModel === 'object' && 'provider' in o.judgeModel), {
    path: ['judgeModel'],
    message:
      'the offline model is not an LLM and cannot judge proposals; name a real model or leave judgeModel out (deterministic checks only)',
  })
  .superRefine((o, ctx) => {
    for (const [path, ref] of moduleRefs(o)) {
      const problem = moduleFileProblem(ref);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path, message: problem });
    }
    // A model string that cannot be parsed fails here; a missing key fails each run (the key may be set later).
    for (const [path, ref] of [
      ['model', o.model],
      ['judgeModel', o.judgeModel],
    ] as const) {
      const problem = typeof ref === 'string' ? modelStringProblem(ref) : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [path], message: problem });
    }
  })
  .transform((o) => {
    const threads = o.threads ?? defaultThreads(o.agents);
    return threads === o.threads ? o : { ...o, threads };
  });

/** Why `spec` is not a model string (see `parseModelSpec`), or undefined when it is one. */
function modelStringProblem(spec: string): string | undefined {
  try {
    parseModelSpec(spec);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Every module the options name, by its path in them: each must be a file workers can import. */
function moduleRefs(o: {
  model: ModelRef;
  judgeModel?: ModelRef | undefined;
  protocol: string | { module: string };
  tools?: { use: ReadonlyArray<string | { module: string }> } | undefined;
}): Array<[Array<string | number>, string]> {
  const refs: Array<[Array<string | number>, string]> = [];
  const add = (path: Array<string | number>, ref: unknown) => {
    if (typeof ref === 'object' && ref !== null && 'module' in ref && typeof ref.module === 'string')
      refs.push([[...path, 'module'], ref.module]);
  };
  add(['model'], o.model);
  add(['judgeModel'], o.judgeModel);
  add(['protocol'], o.protocol);
  o.tools?.use.forEach((tool, i) => add(['tools', 'use', i], tool));
  return refs;
}

/** Options of `createSwarm` as callers write them; `logger` (pino-compatible) gets the runs' log lines. */
export type SwarmOptions = z.input<typeof SwarmOptionsSchema> & { logger?: Logger | undefined };

/** `options` without its `logger`, which stays on the main thread (options are sent to workers). */
export function withoutLogger(options: unknown): unknown {
  if (typeof options !== 'object' || options === null || !('logger' in options)) return options;
  const { logger: _logger, ...rest } = options as Record<string, unknown>;
  return rest;
}
/** Options after validation, every default filled in. */
export type ResolvedSwarmOptions = z.output<typeof SwarmOptionsSchema>;

/** Validates options, throwing InvalidConfigError that lists every problem with its path. */
export function resolveSwarmOptions(options: unknown): ResolvedSwarmOptions {
  // Only `undefined` means no options: null is refused like any other value that is not an object.
  return parseConfig(SwarmOptionsSchema, withoutLogger(options === undefined ? {} : options), 'invalid swarm options');
}
