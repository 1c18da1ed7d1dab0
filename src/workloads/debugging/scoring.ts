/**
 * Honest scoring of a debugging run, the same for every mode: a failing test counts as fixed only
 * when it passes on the merged patch and no test that passed before fails after it. Tests whose
 * outcome changed between two runs of the unpatched suite (flaky) count neither way.
 */
import { testId, type TestResult, type TestStatus } from './test-runner.js';

/** The unpatched suite's outcome, run twice. */
export interface Baseline {
  /** Outcome per test id (the first run's; flaky tests are listed apart). */
  readonly results: ReadonlyArray<Pick<TestResult, 'id' | 'status'>>;
  /** Ids whose outcome differed between the two baseline runs. */
  readonly flaky: readonly string[];
}

/** What a merged patch did to the suite. */
export interface DebugScore {
  /** Target tests that pass now, counted only when nothing regressed. */
  readonly fixed: readonly string[];
  /** Tests that passed before (and are not flaky) and do not pass after the merge. */
  readonly regressed: readonly string[];
  /** Target tests that still do not pass. */
  readonly stillFailing: readonly string[];
  /** Target tests that pass but are not counted, because the merge regressed another test. */
  readonly passingWithRegressions: readonly string[];
  readonly flaky: readonly string[];
}

/** Ids whose status differs between two runs of the same suite (present in one and not the other counts as differing). */
export function flakyTests(
  first: ReadonlyArray<Pick<TestResult, 'id' | 'status'>>,
  second: ReadonlyArray<Pick<TestResult, 'id' | 'status'>>,
): string[] {
  const a = new Map(first.map((r) => [r.id, r.status]));
  const b = new Map(second.map((r) => [r.id, r.status]));
  return [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id)).sort();
}

/**
 * The outcome of target `id` in `results`. A file-level target (`file > file`: its file failed
 * outside any test, e.g. hung before a test could be named) has no result of its own once the file
 * runs: it passes when the file's tests ran and none failed (or timed out), and fails when one did.
 */
export function targetStatus(
  id: string,
  results: ReadonlyArray<Pick<TestResult, 'id' | 'status'>>,
): TestStatus | undefined {
  const own = results.find((r) => r.id === id);
  if (own) return own.status;
  const file = id.slice(0, Math.max(0, (id.length - 3) / 2));
  if (id !== testId(file, file)) return undefined;
  const tests = results.filter((r) => r.id.startsWith(`${file} > `));
  if (tests.some((r) => r.status === 'fail')) return 'fail';
  if (tests.some((r) => r.status === 'pass')) return 'pass';
  return tests.length ? 'skip' : undefined;
}

/** Scores `after` (the suite on the merged patch) against the baseline for `targets` (the tests that failed at the start). */
export function scoreMerge(
  baseline: Baseline,
  after: ReadonlyArray<Pick<TestResult, 'id' | 'status'>>,
  targets: readonly string[],
): DebugScore {
  const flaky = new Set(baseline.flaky);
  const now = new Map(after.map((r) => [r.id, r.status]));
  const regressed = baseline.results
    .filter((r) => r.status === 'pass' && !flaky.has(r.id) && now.get(r.id) !== 'pass')
    .map((r) => r.id);
  const passing = targets.filter((t) => targetStatus(t, after) === 'pass');
  return {
    fixed: regressed.length === 0 ? passing : [],
    regressed,
    stillFailing: targets.filter((t) => targetStatus(t, after) !== 'pass'),
    passingWithRegressions: regressed.length === 0 ? [] : passing,
    flaky: [...flaky].sort(),
  };
}
