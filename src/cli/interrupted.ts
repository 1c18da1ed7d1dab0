/**
 * What `delm run` and `delm bench` print when Ctrl-C (or SIGTERM) cuts their items short: what is
 * recorded, and how to go on. The summary it closes is marked `interrupted` too.
 */

/** The notice: `recorded` (e.g. `3 of 12 items`) are in `dir`; the same command with --resume runs the rest. */
export function interruptedNotice(recorded: string, dir: string): string {
  return `interrupted: ${recorded} recorded in ${dir}; run the same command with --resume --out ${dir} to do the rest\n`;
}
