/**
 * What `delm run` and `delm bench` show while a workload runs: one progress line per item, the live
 * inspector's view of it, and a log line per finished item (pino; quiet unless logging was asked for).
 */
import type { Inspector } from '../inspector/index.js';
import type { Logger } from '../logging/logger.js';
import type { Mode } from '../modes/result.js';
import type { RunWorkloadOptions } from '../evaluation/run-workload.js';
import type { SwarmEvent } from '../runtime/events.js';
import type { Progress } from './progress.js';

/** The item callbacks of {@link RunWorkloadOptions} for one mode's pass over a workload. */
export function itemDisplay(options: {
  mode: Mode;
  progress: Progress;
  inspector: Inspector | undefined;
  logger: Logger;
  agents: number;
  /** Prefix of progress labels and result lines (bench shows the mode in the label and indents). */
  label: (itemId: string) => string;
  indent: string;
}): Pick<RunWorkloadOptions, 'onItemStart' | 'onEvent' | 'onItemDone'> {
  const { mode, progress, inspector, logger } = options;
  let observe: ((e: SwarmEvent) => void) | undefined;
  return {
    onItemStart: (item, index, count) => {
      progress.start(`[${index + 1}/${count}] ${options.label(item.id)}`);
      observe = inspector?.track({
        runId: `${mode}:${item.id}`,
        label: `${mode} · ${item.id}`,
        agents: options.agents,
      });
    },
    onEvent: (_item, e) => {
      progress.onEvent(e);
      observe?.(e);
    },
    onItemDone: (item, row) => {
      const tokens = Number(row.input_tokens) + Number(row.output_tokens);
      const mark = row.correct === 'true' ? '✓' : row.correct === 'false' ? '✗' : ' ';
      progress.finish(
        `${options.indent}${mark} ${item.id.padEnd(16)} ${row.predicted.padEnd(10)} ${tokens.toLocaleString('en-US').padStart(9)} tokens  ${(Number(row.wall_ms) / 1_000).toFixed(2).padStart(6)} s  ${row.stop_reason}${row.error ? ` (${row.error})` : ''}`,
      );
      const failed = row.stop_reason === 'error' || row.stop_reason === 'tasks-failed';
      logger[failed ? 'error' : 'info'](
        {
          mode,
          item: item.id,
          stopReason: row.stop_reason,
          correct: row.correct,
          predicted: row.predicted,
          tokens,
          modelCalls: Number(row.model_calls),
          costUsd: Number(row.cost_usd),
          wallMs: Number(row.wall_ms),
          ...(row.error ? { error: row.error } : {}),
        },
        'item done',
      );
    },
  };
}
