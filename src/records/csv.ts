/**
 * CSV through csv-stringify and csv-parse (RFC 4180), with one rule of ours on writing: a row is one
 * physical line, so a reader can tell a complete row (ended by its line break) from a torn one, and
 * name the line where a damaged file goes wrong.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/** A value as results.csv stores it: line breaks become spaces and NUL bytes are dropped, so every row stays one line. */
export function csvText(value: string | number | boolean | null | undefined): string {
  const text = value === undefined || value === null ? '' : String(value);
  return text.replace(/\r\n|[\r\n]/g, ' ').replaceAll('\u0000', '');
}

/** One CSV line (without the line break), each value through {@link csvText}. */
export function csvLine(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return stringify([values.map(csvText)], { eof: false, record_delimiter: 'unix' });
}

/** Parses CSV text into rows of fields (quoted line breaks allowed; throws csv-parse's `CsvError` on malformed quoting). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = parse(text, { relax_column_count: true, skip_empty_lines: true });
  return rows;
}
