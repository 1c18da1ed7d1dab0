/** The CLI's logger: `--log json|pretty` (or DELM_LOG), `--log-level` (or DELM_LOG_LEVEL), to stderr. */
import { createLogger, LOG_LEVELS, type Logger } from '../logging/logger.js';
import { envSecrets } from '../providers/errors.js';
import { UsageError, type CliIO } from './command.js';

/** Flags every logging command takes, for `parseCommandArgs`. */
export const LOG_FLAGS = { log: { type: 'string' }, 'log-level': { type: 'string' } } as const;

/** Usage lines of {@link LOG_FLAGS}. */
export const LOG_USAGE = `  --log <json|pretty>         log format (default: JSON lines; pretty on a terminal when pino-pretty is installed); or DELM_LOG
  --log-level <level>         trace, debug, info, warn, error, silent; or DELM_LOG_LEVEL (default info)`;

/** {@link LOG_USAGE} of a command that logs only problems unless asked (`run`, `bench`, `worker`, `resume`). */
export const QUIET_LOG_USAGE = LOG_USAGE.replace(
  '(default info)',
  '(default warn: only problems; info when --log is given)',
);

/** A logger writing to the CLI's stderr; `secrets` (a token) never appear in it. */
export function cliLogger(
  io: CliIO,
  values: { log?: string | undefined; 'log-level'?: string | undefined },
  secrets: ReadonlyArray<string | undefined> = [],
  /** The level when no flag or variable names a level or format; `run` and `bench` keep quiet (warn) unless asked. */
  defaultLevel: (typeof LOG_LEVELS)[number] = 'info',
): Logger {
  const format = values.log ?? (io.env.DELM_LOG || undefined);
  // Asking for a format asks for the logs: info, unless a level is given.
  const level = values['log-level'] ?? (io.env.DELM_LOG_LEVEL || (format === undefined ? defaultLevel : 'info'));
  if (format !== undefined && format !== 'json' && format !== 'pretty')
    throw new UsageError(`--log must be json or pretty, got "${format.slice(0, 40)}"`);
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level.slice(0, 40)}"`);
  return createLogger({
    format: format ?? 'auto',
    level: level as (typeof LOG_LEVELS)[number],
    destination: { write: (line: string) => io.err(line) },
    isTTY: process.stderr.isTTY === true && io.isTTY,
    secrets,
    onFallback: (reason) => io.err(`delm: ${reason}\n`),
  });
}

/**
 * The secrets in the environment, values no log line may show: provider keys, tokens, passwords
 * (`envSecrets`, however short: the CLI's own logs may lose a word sooner than show a secret).
 */
export function apiKeys(env: NodeJS.ProcessEnv): string[] {
  return envSecrets(env, 1);
}
