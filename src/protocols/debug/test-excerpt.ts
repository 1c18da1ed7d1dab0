/** The lines of a failing test's file around the failure, for the patch prompt (a model fixes better when it sees the assertion). */

const BEFORE = 12;
const AFTER = 2;

/**
 * The failing assertion's neighbourhood in `testSource` (the file `testFile`): the lines up to
 * {@link BEFORE} above and {@link AFTER} below the first line of that file the failure output
 * names; else the lines after the test's own name; else undefined.
 */
export function testExcerpt(testFile: string, testSource: string, output: string, testName = ''): string | undefined {
  const lines = testSource.split('\n');
  const escaped = testFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`(?:^|[\\s(/])${escaped}:(\\d+)`).exec(output);
  let line = at ? Number(at[1]) : undefined;
  if (line === undefined) {
    const name = testName.split(' > ').at(-1)?.trim();
    const found = name ? lines.findIndex((l) => l.includes(name)) : -1;
    if (found === -1) return undefined;
    line = found + 1 + BEFORE;
  }
  const from = Math.max(0, line - 1 - BEFORE);
  return lines.slice(from, Math.min(lines.length, line + AFTER)).join('\n');
}
