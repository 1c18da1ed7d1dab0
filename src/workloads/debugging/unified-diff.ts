/** Unified diffs in the form `git apply` takes, for the merged patch a debugging run keeps in its records. */
import { formatPatch, structuredPatch } from 'diff';

/** One file before and after, workspace-relative with `/`. */
export interface FileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/** A `git apply`-able unified diff (`a/` and `b/` prefixes, 3 lines of context) of the files that changed; '' when none did. */
export function unifiedDiff(changes: readonly FileChange[]): string {
  const parts: string[] = [];
  for (const { file, before, after } of [...changes].sort((x, y) => x.file.localeCompare(y.file))) {
    if (before === after) continue;
    const patch = structuredPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 });
    // formatPatch opens with an "Index:"/"===" banner that git does not expect; git's own header replaces it.
    const body = formatPatch(patch).split('\n');
    const from = body.findIndex((l) => l.startsWith('--- '));
    parts.push(`diff --git a/${file} b/${file}\n${body.slice(from).join('\n').replace(/\n*$/, '\n')}`);
  }
  return parts.join('');
}
