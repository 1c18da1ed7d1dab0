/** Options of `startServer` (and so of `delm serve`), validated with zod; defaults filled in. */
import type { Logger } from '../logging/logger.js';
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import type { RunObserver } from '../inspector/hub.js';
import { MIN_MEMBER_TTL_MS, type SwarmOptions } from '../runtime/options.js';
import { isLoopbackHost, TokenSchema } from '../internal/loopback.js';

/** One MiB: the default request body limit. */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Everything `startServer` accepts except the `log` callback. */
export const ServerOptionsSchema = z
  .object({
    /** TCP port; 0 picks a free one (read it back from `server.url`). */
    port: z.number().int().min(0).max(65_535).default(8787),
    /** Interface to bind. Anything but a loopback address requires `token`. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Bearer token every request but `GET /healthz` must carry. Required off loopback. */
    token: TokenSchema.optional(),
    /** Options of every swarm (agents, model, protocol, budgets, …); validated by the swarm pool. */
    swarm: z.record(z.string(), z.unknown()).default({}),
    /** Runs executing at once: one swarm (`agents + 1` worker threads) each. */
    maxConcurrentRuns: z.number().int().min(1).max(64).default(2),
    /** Runs that may wait for a free swarm before new ones get 429. */
    maxQueuedRuns: z.number().int().min(0).max(10_000).default(0),
    /** Largest request body accepted; larger ones get 413. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(64 << 20)
      .default(DEFAULT_MAX_BODY_BYTES),
    /** Finished runs kept for `GET /v1/runs/:id`: at most this many… */
    retainRuns: z.number().int().min(1).max(100_000).default(256),
    /** …and each for at most this long after it finished. */
    retainMs: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3_600_000)
      .default(15 * 60_000),
    /** Events kept per run for replay (`run.finished` is always kept). */
    maxEventsPerRun: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Interval of SSE keep-alive comments. */
    heartbeatMs: z.number().int().min(100).max(600_000).default(15_000),
    /**
     * Runs kept in Redis (`delm serve --redis`): every run this server starts is a Redis run, and every
     * serve process on that Redis can get it, stream its events (SSE ids are the run's event stream ids,
     * `maxEventsPerRun` its cap) and cancel it. Finished runs expire from Redis after `retainMs`, and
     * `retainRuns` counts the finished runs of every serve process on that Redis together.
     */
    redis: z
      .object({
        url: z.string().min(1),
        /** Expiry of each process's member key in a run, ms (default 10 s, refreshed every third of it). */
        memberTtlMs: z.number().int().min(MIN_MEMBER_TTL_MS).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.redis && o.swarm.substrate !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['swarm', 'substrate'],
        message: 'with redis, the swarms run on it: leave swarm.substrate out',
      });
    if (!isLoopbackHost(o.host) && o.token === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `a bearer token is required to listen on ${o.host}, which is not a loopback address: pass --token or set DELM_SERVE_TOKEN`,
      });
    }
  });

/** Options of `startServer` as callers write them. */
export type ServerOptions = Omit<z.input<typeof ServerOptionsSchema>, 'swarm'> & {
  /** Options of every swarm (agents, model, protocol, budgets, …). */
  swarm?: SwarmOptions;
  /** Where the server writes one-line notices (start, stop, unexpected errors); never the token. */
  log?: (line: string) => void;
  /** pino-compatible logger: one line per request (with its request id) and the runs' lines. */
  logger?: Logger | undefined;
  /** Shows every run live in this inspector (`startInspector()`; `delm serve --inspect`). */
  inspector?: RunObserver;
};

/** Options after validation. */
export type ResolvedServerOptions = z.output<typeof ServerOptionsSchema>;

/** Validates server options, throwing InvalidConfigError that lists every problem (never the token's value). */
export function resolveServerOptions(options: ServerOptions): ResolvedServerOptions {
  const { log: _log, inspector: _inspector, logger: _logger, ...rest } = options;
  return parseConfig(ServerOptionsSchema, rest, 'invalid server options');
}
