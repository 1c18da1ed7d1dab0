/**
 * What `delm run` and `delm bench` summarise: the rows of the items the command covers, the
 * workload's first `--limit`. A `--resume` with a smaller `--limit` than the rows already recorded
 * runs nothing new and leaves the later items' rows in results.csv; its summary, table, chart and
 * exit status are of the first `--limit` items, and summary.json says how many rows it left out.
 */
import type { ResultRow, RunRecords } from '../records/run-records.js';
import type { Workload } from '../workloads/workload.js';

/** The rows a command summarises, and what its summary.json and output say about the others. */
export interface SummaryScope {
  /** The rows of the covered items, in the folder's order. */
  rows: ResultRow[];
  /** For summary.json: `limit` when given, `rowsBeyondLimit` when rows were left out. */
  fields: { limit?: number; rowsBeyondLimit?: number };
  /** A line saying what was left out, when something was. */
  notice: string | undefined;
}

/** The scope of a command over `workload` with `limit` (see the module comment). */
export function summaryScope(records: RunRecords, workload: Workload, limit: number | undefined): SummaryScope {
  const covered = workload.items.slice(0, limit ?? workload.items.length);
  const rows = records.rowsOf(covered.map((item) => item.id));
  const beyond = records.rows.length - rows.length;
  const what = limit !== undefined ? `--limit ${limit}` : `the workload's ${workload.items.length} items`;
  return {
    rows,
    fields: { ...(limit !== undefined ? { limit } : {}), ...(beyond > 0 ? { rowsBeyondLimit: beyond } : {}) },
    notice:
      beyond > 0
        ? `${beyond} row${beyond === 1 ? '' : 's'} of items beyond ${what} stay in results.csv, not summarised`
        : undefined,
  };
}
