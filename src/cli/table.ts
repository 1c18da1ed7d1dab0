/** Tables for the terminal (aligned columns) and for Markdown. */

/** A table: a header and rows of cells. */
export interface Table {
  header: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
}

const numeric = (s: string) => /^[-+$]?[\d.,]+(?:\s?[%×a-z]*)?$/i.test(s);

/** Columns padded to their widest cell; numbers right-aligned. */
export function renderTable(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(table.header), widths.map((w) => '─'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function renderMarkdownTable(table: Table): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `| ${table.header.map(esc).join(' | ')} |`,
    `| ${table.header.map((_, i) => (table.rows.every((r) => numeric(r[i] ?? '')) ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
