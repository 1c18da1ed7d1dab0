/**
 * The options of a run (`swarm.run`, `join`, `resume`, `pool.run`), checked before it starts. Before,
 * a listener that was not a function failed on every event, a signal that was not an AbortSignal
 * threw a TypeError from inside delm, and per-run tools without the schema's defaults crashed every
 * agent thread until the run gave up ("agents keep crashing"). A misspelt option is refused too.
 */
import { z } from 'zod';
import { parseConfig } from '../internal/parse.js';
import type { Logger } from '../logging/logger.js';
import { ToolsOptionsSchema } from '../tools/options.js';
import type { SwarmEvent } from './events.js';

/** An AbortSignal by its shape, so that one from another realm (a vm context, jsdom) passes too. */
const isSignal = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as AbortSignal).aborted === 'boolean' &&
  typeof (v as AbortSignal).addEventListener === 'function';

/** A run's logger is used as given: it needs the log methods, not `child`. */
const isLogger = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  (['debug', 'info', 'warn', 'error'] as const).every((k) => typeof (v as Logger)[k] === 'function');

const RunOptionsSchema = z
  .object({
    signal: z.custom<AbortSignal>(isSignal, { error: 'expected an AbortSignal' }).optional(),
    onEvent: z
      .custom<(event: SwarmEvent) => void>((v) => typeof v === 'function', { error: 'expected a function' })
      .optional(),
    traceContext: z.unknown().optional(),
    logger: z
      .custom<Logger>(isLogger, { error: 'expected a logger with debug, info, warn and error methods' })
      .optional(),
    tools: ToolsOptionsSchema.nullable().optional(),
    runId: z.string().min(1).optional(),
    standbyVerifier: z.boolean().optional(),
  })
  .strict();

/**
 * Throws InvalidConfigError listing every problem (`onEvent: expected a function`) when `options`
 * are not a run's options; returns them, with per-run tools completed by their schema's defaults.
 */
export function checkRunOptions<O extends { tools?: unknown }>(options: O): O {
  const parsed = parseConfig(RunOptionsSchema, options, 'invalid run options');
  return parsed.tools === undefined || parsed.tools === null ? options : { ...options, tools: parsed.tools };
}
