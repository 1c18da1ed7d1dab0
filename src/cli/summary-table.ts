/** The side-by-side table of mode summaries that `delm run` and `delm bench` print. */
import type { ModeSummary } from '../evaluation/summary.js';
import type { Table } from './table.js';

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One row per mode: accuracy, tokens, cost and wall time per item, waiting share, largest prompt, growth exponent. */
export function summaryTable(summaries: readonly ModeSummary[]): Table {
  return {
    header: [
      'mode',
      'items',
      'accuracy',
      'tokens/item',
      'cost/item',
      'wall/item',
      'waiting',
      'max prompt',
      'growth k',
      'errors',
    ],
    rows: summaries.map((s) => [
      s.mode,
      String(s.items),
      s.accuracy === null ? '-' : `${fmt(s.accuracy, 1)}%`,
      fmt(s.tokensPerItem),
      `$${fmt(s.costPerItemUsd, 4)}`,
      `${fmt(s.wallMsPerItem / 1_000, 2)} s`,
      `${fmt(100 * s.waitingShare, 1)}%`,
      fmt(s.maxPromptTokens),
      s.growth ? fmt(s.growth.exponent, 2) : '-',
      String(s.errors),
    ]),
  };
}

/**
 * A line per mode whose answers rested on no verified ledger entry (results.csv's `verified_entries`
 * 0), so such answers are not read as the protocol's verified result; empty when there are none.
 */
export function unverifiedAnswerLines(summaries: readonly ModeSummary[]): string[] {
  return summaries.flatMap((s) =>
    s.answersWithoutVerifiedEntries
      ? [
          `${s.mode} answered ${s.answersWithoutVerifiedEntries} of ${s.items} item${s.items === 1 ? '' : 's'} with no verified entry in its ledger (verified_entries 0 in results.csv).`,
        ]
      : [],
  );
}
