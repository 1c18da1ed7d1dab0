/**
 * Validation problems in an error's message (InvalidConfigError's, the server's 400s): the first
 * few, then how many more. A list of 1,000 malformed items is one mistake made 1,000 times, and its
 * message should fit a screen; the error's `issues` keep every problem for code that reads them.
 */

/** How many problems a message lists. */
const LISTED_ISSUES = 10;

/** The first {@link LISTED_ISSUES} of `issues`, then a line saying how many more there are, if any. */
export function listedIssues(issues: readonly string[]): string[] {
  if (issues.length <= LISTED_ISSUES) return [...issues];
  return [
    ...issues.slice(0, LISTED_ISSUES),
    `and ${issues.length - LISTED_ISSUES} more (the error's issues list them all)`,
  ];
}
