/** The file name of an item's per-item records (ledger, trajectory, patch). */
import { csvText } from './csv.js';

/**
 * `id` as a file name: what results.csv stores of it (see `csvText`) with every run of other
 * characters than letters, digits, '.', '-' and '_' made one '_'. Going through `csvText` first
 * means a results.csv row's id names the same file as the id it was written from.
 */
export const recordName = (id: string): string =>
  csvText(id)
    .replace(/[^\w.-]+/g, '_')
    .slice(0, 120) || 'item';
