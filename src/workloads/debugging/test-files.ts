/**
 * Which workspace files are tests, so no patch may edit them: a "fix" that rewrites the assertion
 * would be scored as fixed. A file is a test when its runner would run it (the workspace's detected
 * test files, and every file a test run reported tests from) or when its path looks like one to any
 * common runner (node --test's defaults, jest/vitest's `.spec.` and `__tests__`, test folders).
 */
import path from 'node:path';

// Folders whose files are tests or their fixtures.
const TEST_DIR = /(?:^|\/)(?:test|tests|__tests__)\//;
// node --test's default names (`*.test.js`, `*-test.js`, `*_test.js`, `test-*.js`, `test.js`), and jest/vitest's `*.spec.js`.
const TEST_NAME = /(?:^|[.\-_])test\.[cm]?[jt]sx?$|\.spec\.[cm]?[jt]sx?$|^test-[^/]*\.[cm]?[jt]sx?$/;

/** `file` as a workspace-relative path with `/`, without `./` or redundant segments. */
function normalize(file: string): string {
  return path.posix.normalize(file.replace(/\\/g, '/')).replace(/^(?:\.\/)+/, '');
}

/**
 * Whether `file` (workspace-relative) is a test file: named or placed like one (see the module
 * comment), or one of `known` (the runner's test files, the files a test run reported tests from).
 */
export function isTestFile(file: string, known: Iterable<string> = []): boolean {
  const rel = normalize(file);
  if (TEST_DIR.test(rel) || TEST_NAME.test(path.posix.basename(rel))) return true;
  const lower = rel.toLowerCase();
  for (const k of known) if (normalize(k).toLowerCase() === lower) return true;
  return false;
}

/** The files known to hold tests: those the runner was found to run (`detected`), and every file a test run reported tests from. */
export function knownTestFiles(
  detected: Iterable<string>,
  results: ReadonlyArray<{ readonly file: string }>,
): string[] {
  return [...new Set([...detected, ...results.map((r) => r.file)])];
}

/** The files among `edits` that are test files (see {@link isTestFile}), each once, in order. */
export function editedTestFiles(
  edits: ReadonlyArray<{ readonly file: string }>,
  known: Iterable<string> = [],
): string[] {
  const list = [...known];
  return [...new Set(edits.map((e) => e.file).filter((f) => isTestFile(f, list)))];
}

/** The refusal of a patch that edits `files` (test files). */
export const testEditRefusal = (files: readonly string[]): string =>
  `the patch edits test file${files.length === 1 ? '' : 's'} ${files.join(', ')}; fix the code, not the test`;
