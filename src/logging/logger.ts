/**
 * Structured logs through pino: JSON lines, pretty only on request (or on a terminal, when
 * `pino-pretty` is installed), secrets redacted by key and by value. A library user passes their
 * own pino-compatible logger instead, or gets no logs at all.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Level } from 'pino';
import { redact } from '../providers/errors.js';

/** One log method, as pino has it: an object (merged into the line) and a message, or a message. */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/** What delm needs of a logger; a pino logger is one. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** Keys whose values never reach a log line, at the top level, one level down, and in request headers. */
export const REDACT_PATHS: readonly string[] = [
  'token',
  'apiKey',
  'api_key',
  'authorization',
  'password',
  'secret',
  'cookie',
]
  .flatMap((key) => [key, `*.${key}`, `headers.${key}`, `req.headers.${key}`, `*.headers.${key}`])
  .concat([
    'headers["x-api-key"]',
    'req.headers["x-api-key"]',
    '*.headers["x-api-key"]',
    'headers["proxy-authorization"]',
    'req.headers["proxy-authorization"]',
  ]);

/** Log levels, least to most severe, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Default `info`. */
  level?: Level | 'silent';
  /** `json` lines (default), `pretty` (needs the optional `pino-pretty`), or `auto`: pretty on a terminal when installed. */
  format?: 'json' | 'pretty' | 'auto';
  /** Where lines go (default stderr). */
  destination?: DestinationStream;
  /** Whether the destination is a terminal, for `auto`. */
  isTTY?: boolean;
  /** Values to cut out of every message and string field (a bearer token, API keys). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Called when `pretty` was asked for but `pino-pretty` is not installed (the logger falls back to JSON). */
  onFallback?: (reason: string) => void;
}

const require = createRequire(import.meta.url);

/** `pino-pretty`'s stream factory, when the optional package is installed. */
function prettyStream(destination: DestinationStream | undefined): DestinationStream | undefined {
  try {
    const factory = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return factory({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      ...(destination ? { destination } : { destination: 2 }),
      sync: true,
    });
  } catch {
    return undefined;
  }
}

/** Strings in a log call's arguments with secrets (and anything shaped like an API key) cut out. */
function scrub(value: unknown, secrets: ReadonlyArray<string | undefined>, depth = 0): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (depth > 3 || typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets, depth + 1)]));
}

/** A pino logger with delm's redaction; see {@link LoggerOptions}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json';
  let destination = options.destination;
  if (format === 'pretty' || (format === 'auto' && options.isTTY)) {
    const pretty = prettyStream(destination);
    if (pretty) destination = pretty;
    else if (format === 'pretty')
      options.onFallback?.(
        'pino-pretty is not installed; logging JSON lines (npm install pino-pretty for --log pretty)',
      );
  }
  const secrets = options.secrets ?? [];
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a, secrets)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
