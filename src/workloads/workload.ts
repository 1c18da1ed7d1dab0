/**
 * A workload as the CLI and benchmarks see it: items to run, each a task with a way to score its
 * answer. A folder with a `workload.json` is a tool-search workload (see tool-search.ts); a folder with a package.json is a debugging workspace (one item: make its failing tests
 * pass); a .json or .jsonl file holds LongBench-v2 multi-document QA items.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Mode, RunTask } from '../types.js';
import { diffFromAnswer, fixedCounts } from './debugging/report.js';
import { runTests } from './debugging/test-runner.js';
import { nothingToFix } from './debugging/verify.js';
import { installDependencies, loadWorkspace } from './debugging/workspace.js';
import { WorkloadFileError } from './errors.js';
import { loadToolSearch, questionToTask, scoreQuestion } from './tool-search.js';
import type { ToolsOptions } from '../tools/options.js';
import {
  extractAnswer,
  formatQuestion,
  itemToTask,
  loadLongBenchFile,
  type ItemTaskOptions,
  type LongBenchItem,
} from './longbench.js';

/** How an answer scored. `correct` is null when it cannot be told (no expected answer). */
export interface ItemScore {
  readonly correct: boolean | null;
  /** What the answer said, in short (a choice letter, "5/6 fixed"). */
  readonly predicted: string;
  /** What `predicted` is compared with (the right choice letter, "every failing test fixed"); '' when not known. */
  readonly expected: string;
  /** How `correct` follows from the answer, in one sentence, so a reader can check it from the records. */
  readonly rule: string;
  /** Debugging: fixed (only without regressions), regressed and still-failing counts. */
  readonly counts?: { readonly fixed: number; readonly regressed: number; readonly stillFailing: number };
  /** Debugging: the merged patch as a unified diff ('' when nothing was merged). */
  readonly patch?: string;
}

/** How a multiple-choice answer is scored (LongBench-v2's rule). */
export const CHOICE_RULE =
  "predicted is the letter X of the answer's first 'The correct answer is (X)' (or 'is X'), asterisks ignored, '-' when there is none; correct is predicted = expected";
/** How a debugging answer is scored. */
const DEBUG_RULE =
  "predicted is 'fixed/total fixed' from the answer's test report (fixed counting only without regressions); correct is every failing test fixed and none regressed, false without a report";

/** One item of a workload. */
export interface WorkloadItem {
  readonly id: string;
  readonly task: RunTask;
  /** The question as the records keep it: its text and choices (no documents). */
  readonly question: string;
  /** LongBench-v2 difficulty and length class, when known. */
  readonly difficulty?: string;
  readonly length?: string;
  score(answer: string | undefined): ItemScore;
}

/** A loaded workload. */
export interface Workload {
  readonly kind: 'multidoc' | 'debugging' | 'tool-search';
  /** The file or folder it came from (absolute). */
  readonly source: string;
  /** The swarm protocol that runs it. */
  readonly protocol: 'delm' | 'debug';
  /** The modes it can be run in. */
  readonly modes: readonly Mode[];
  readonly items: readonly WorkloadItem[];
  /** The tools its runs need (a tool-search workload's built-ins and workspace). */
  readonly tools?: ToolsOptions;
}

/** Options of a debugging workload's task (`--test-timeout`, `--test-command`). */
export interface DebugWorkloadOptions {
  readonly debug?: { readonly testTimeoutMs?: number; readonly testCommand?: string };
}

/**
 * Loads the workload at `file` (see the module comment); errors name the file, item and field. A
 * debugging workspace's suite runs once here: one whose tests all pass is refused (nothing to fix).
 */
export async function loadWorkload(
  file: string,
  options: ItemTaskOptions & DebugWorkloadOptions = {},
): Promise<Workload> {
  const abs = path.resolve(file);
  const info = await stat(abs).catch(() => undefined);
  if (!info)
    throw new WorkloadFileError(
      abs,
      'no such file or folder (expected a LongBench-v2 .json/.jsonl file or a workspace folder)',
      {},
      { code: 'NOT_FOUND' },
    );
  const manifest = info.isDirectory() ? path.join(abs, 'workload.json') : undefined;
  if (manifest && (await stat(manifest).catch(() => undefined))?.isFile()) {
    const search = await loadToolSearch(manifest);
    return {
      kind: 'tool-search',
      source: abs,
      protocol: 'delm',
      modes: ['delm', 'orchestrator'],
      tools: search.tools,
      items: search.questions.map((q) => ({
        id: q._id,
        task: questionToTask(q),
        question: formatQuestion(q),
        ...(q.difficulty ? { difficulty: q.difficulty } : {}),
        ...(q.length ? { length: q.length } : {}),
        score: (answer) => ({ ...scoreQuestion(q, answer), rule: CHOICE_RULE }),
      })),
    };
  }
  if (info.isDirectory()) {
    const ws = await loadWorkspace(abs, { testCommand: options.debug?.testCommand });
    // One run of the suite, so a workspace with nothing to fix is refused here rather than scored 0/0.
    await installDependencies(ws.dir);
    const run = await runTests(ws.dir, {
      plan: ws.plan,
      timeoutMs: options.debug?.testTimeoutMs ?? 30_000,
      ...(options.debug?.testCommand ? { testCommand: options.debug.testCommand } : {}),
    });
    if (run.failed === 0) throw nothingToFix(ws.dir, run);
    return {
      kind: 'debugging',
      source: abs,
      protocol: 'debug',
      modes: ['delm', 'orchestrator'],
      items: [
        {
          id: ws.name,
          question: `Make every failing test of ${ws.name} pass without breaking the others.`,
          task: {
            prompt: `Make every failing test of ${ws.name} pass without breaking the others.`,
            meta: { workspace: ws.dir, ...(options.debug ? { debug: options.debug } : {}) },
          },
          score(answer) {
            const counts = answer ? fixedCounts(answer) : undefined;
            const patch = answer ? diffFromAnswer(answer) : undefined;
            return {
              correct: counts ? counts.total > 0 && counts.fixed === counts.total && counts.regressed === 0 : false,
              predicted: counts ? `${counts.fixed}/${counts.total} fixed` : '-',
              expected: counts ? `${counts.total}/${counts.total} fixed, 0 regressed` : 'every failing test fixed',
              rule: DEBUG_RULE,
              ...(counts
                ? { counts: { fixed: counts.fixed, regressed: counts.regressed, stillFailing: counts.stillFailing } }
                : {}),
              ...(patch !== undefined ? { patch } : {}),
            };
          },
        },
      ],
    };
  }
  const items = await loadLongBenchFile(abs);
  return {
    kind: 'multidoc',
    source: abs,
    protocol: 'delm',
    modes: ['delm', 'orchestrator', 'single'],
    items: items.map((item) => longBenchItem(item, options)),
  };
}

function longBenchItem(item: LongBenchItem, options: ItemTaskOptions): WorkloadItem {
  let task: RunTask | undefined;
  return {
    id: item._id,
    // Built (its documents chunked and counted) when first read: `--limit 1` on a file of hundreds of
    // long items chunks one.
    get task() {
      return (task ??= itemToTask(item, options));
    },
    question: formatQuestion(item),
    difficulty: item.difficulty,
    length: item.length,
    score(answer) {
      const predicted = extractAnswer(answer ?? '');
      return {
        correct: predicted === item.answer,
        predicted: predicted ?? '-',
        expected: item.answer,
        rule: CHOICE_RULE,
      };
    },
  };
}
