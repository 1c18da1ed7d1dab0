/** Per-mode summaries of result rows: accuracy, tokens, cost and time per item, waiting share, and token growth with sub-tasks. */
import type { ResultRow } from '../records/run-records.js';
import { fitPowerLaw, type PowerLawFit } from '../modes/growth.js';
import type { Mode } from '../modes/result.js';

/** One mode's summary. */
export interface ModeSummary {
  mode: Mode;
  items: number;
  /** Items scored correct / items with a score, as a percentage; null when none could be scored. */
  accuracy: number | null;
  correct: number;
  tokensPerItem: number;
  costPerItemUsd: number;
  wallMsPerItem: number;
  waitingShare: number;
  maxPromptTokens: number;
  errors: number;
  /**
   * Items answered (stop reason `answered`) over a ledger holding no verified entry (results.csv's
   * `verified_entries` 0): answers that rest on nothing the verifier admitted. null when no row records
   * the column (a mode without a ledger, or rows written before it was kept).
   */
  answersWithoutVerifiedEntries: number | null;
  /** Fit of tokens against sub-tasks across items; undefined with fewer than two different sub-task counts. */
  growth: PowerLawFit | undefined;
}

const num = (s: string | undefined) => (s === undefined || s === '' ? 0 : Number(s));
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Summarizes the rows of each mode, in the order the modes are given. */
export function summarize(rows: readonly ResultRow[], modes: readonly Mode[]): ModeSummary[] {
  return modes.flatMap((mode) => {
    const mine = rows.filter((r) => r.mode === mode);
    if (mine.length === 0) return [];
    const scored = mine.filter((r) => r.correct !== '');
    const correct = scored.filter((r) => r.correct === 'true').length;
    const tokens = mine.map((r) => num(r.input_tokens) + num(r.output_tokens));
    let growth: PowerLawFit | undefined;
    try {
      growth = fitPowerLaw(mine.map((r, i) => ({ x: num(r.sub_tasks), y: tokens[i]! })));
    } catch {
      growth = undefined;
    }
    return [
      {
        mode,
        items: mine.length,
        accuracy: scored.length ? (100 * correct) / scored.length : null,
        correct,
        tokensPerItem: mean(tokens),
        costPerItemUsd: mean(mine.map((r) => num(r.cost_usd))),
        wallMsPerItem: mean(mine.map((r) => num(r.wall_ms))),
        waitingShare: mean(mine.map((r) => num(r.waiting_share))),
        maxPromptTokens: Math.max(...mine.map((r) => num(r.max_prompt_tokens))),
        errors: mine.filter((r) => r.stop_reason === 'error').length,
        answersWithoutVerifiedEntries: mine.some((r) => (r.verified_entries ?? '') !== '')
          ? mine.filter((r) => r.verified_entries === '0' && r.stop_reason === 'answered').length
          : null,
        growth,
      },
    ];
  });
}
