/**
 * The offline patch skill (schema `delm_patch_proposal`): program repair by search. Every
 * single-point mutation of the source files (operator swaps, ±1 constants, `!` added or dropped,
 * swapped call arguments) and every fix-template edit (guards with early returns, `case` labels,
 * extended conditions, validity checks, wrapping calls, literals from the expected value) is ranked
 * by how close it is to the failure — the stack trace's lines in that file, identifiers the failing
 * test, its code and its output mention, the function it sits in — after dropping those on lines the
 * failing test's file never executed (when the prompt says which it did); each step proposes the best
 * candidate the ledger does not already record as tried and whose file still parses. The tests decide.
 */
import { DelmError } from '../../../errors.js';
import { assertionValues, literalsIn } from './assertion.js';
import { parseProgram } from './ast.js';
import { parseLines } from '../../../workloads/debugging/coverage.js';
import { singlePointMutations, type Mutation } from './mutations.js';
import { templateCandidates } from './templates/index.js';
import { EVIDENCE_BONUS } from './templates/types.js';
import type { PatchProposal } from '../../kit/schemas.js';
import { readPrompt } from '../../kit/prompt-reader.js';

/** What the ranking reads. */
export interface RepairInput {
  readonly failingTest: string;
  /** The failure message and stack trace. */
  readonly output: string;
  /** The failing test's code around the failing assertion, when known. */
  readonly testCode?: string | undefined;
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  /** Per file, the lines the failing test's file executed; candidates on other lines of that file are not proposed. */
  readonly executedLines?: ReadonlyMap<string, ReadonlySet<number>> | undefined;
  /** Per file, the lines the failing test run alone executed; candidates there rank higher. */
  readonly executedByTest?: ReadonlyMap<string, ReadonlySet<number>> | undefined;
}

/** A candidate with the score it was ranked by. */
export interface RankedMutation extends Mutation {
  readonly score: number;
}

/** Identifiers (and their camelCase / snake_case parts) mentioned in `text`, lower-cased. */
export function identifiersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const id of text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []) {
    if (id.length < 3) continue;
    out.add(id.toLowerCase());
    for (const part of id.split(/_|(?<=[a-z0-9])(?=[A-Z])/)) if (part.length >= 3) out.add(part.toLowerCase());
  }
  return out;
}

/** `file:line` locations in a stack trace, per file path suffix. */
function stackLines(output: string): Array<{ file: string; line: number }> {
  return [...output.matchAll(/([^\s()'"]+\.(?:m?js|cjs|ts|mts|cts|jsx|tsx)):(\d+)(?::\d+)?/g)].map((m) => ({
    file: m[1]!.replace(/^file:\/\//, ''),
    line: Number(m[2]),
  }));
}

const FUNCTION_HEAD =
  /\bfunction\s+([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)|^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*\{/;

/** Name of the function whose definition most closely precedes line `line` (1-based). */
function enclosingFunction(lines: readonly string[], line: number): string | undefined {
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = FUNCTION_HEAD.exec(lines[i] ?? '');
    const name = m?.[1] ?? m?.[2] ?? m?.[3];
    if (name && !['if', 'for', 'while', 'switch', 'catch', 'return'].includes(name)) return name;
  }
  return undefined;
}

// The smaller edit first at equal evidence: a template's edit ranks with the single-token changes at
// its place only when it uses the failing assertion's own values (EVIDENCE_BONUS), after them otherwise.
const TEMPLATE_COST = EVIDENCE_BONUS;
// Spectrum-based fault localisation: a line the failing test ran itself weighs like being close to the trace.
const TEST_RAN_IT = 4;

/** Every candidate edit (mutations and fix templates), best first; ties keep the generators' order, so the search is deterministic. */
export function rankMutations(input: RepairInput): RankedMutation[] {
  // The test's code gives its literals only: its identifiers (assert, the fixtures) drown the clues of the name and output.
  const testCode = input.testCode ?? '';
  const clues = identifiersIn(`${input.failingTest}\n${input.output}`);
  const stack = stackLines(input.output);
  const templateClues = { expected: assertionValues(input.output).expected, testLiterals: literalsIn(testCode) };
  const ranked: RankedMutation[] = [];
  for (const file of input.files) {
    const lines = file.text.split('\n');
    const here = stack
      .filter((s) => s.file === file.path || s.file.endsWith(`/${file.path.replace(/^\.?\//, '')}`))
      .map((s) => s.line);
    const executed = input.executedLines?.get(file.path);
    const byTest = input.executedByTest?.get(file.path);
    const candidates = [
      ...singlePointMutations(file.path, file.text, { max: 2_000 }),
      // Pruned before the templates' shares are counted, so edits the test never reaches take no one's place.
      ...templateCandidates(file.path, file.text, templateClues, {
        ...(executed ? { onLine: (line: number) => executed.has(line) } : {}),
      }).map((m) => ({
        ...m,
        bonus: (m.bonus ?? 0) - TEMPLATE_COST,
      })),
    ];
    for (const m of candidates) {
      // Code the failing test never ran cannot change its outcome (spectrum-based fault localisation).
      if (executed && !executed.has(m.line)) continue;
      // A `!` in a parameter list is a syntax error, not a repair.
      if (m.description.includes('add "!"') && FUNCTION_HEAD.test(lines[m.line - 1] ?? '')) continue;
      const lineIds = identifiersIn(lines[m.line - 1] ?? '');
      let score = m.bonus ?? 0;
      for (const id of lineIds) if (clues.has(id)) score += 1;
      const fn = enclosingFunction(lines, m.line);
      if (fn && clues.has(fn.toLowerCase())) score += 3;
      if (here.length) score += 4 / (1 + Math.min(...here.map((l) => Math.abs(l - m.line))));
      if (byTest?.has(m.line)) score += TEST_RAN_IT;
      ranked.push({ ...m, score });
    }
  }
  return ranked
    .map((m, i) => ({ m, i }))
    .sort((a, b) => b.m.score - a.m.score || a.i - b.i)
    .map((x) => x.m);
}

/** Whether the files `m` edits still parse after it; `parsedBefore` holds the files that parsed unedited (the others are not judged). */
function stillParses(input: RepairInput, m: Mutation, parsedBefore: ReadonlySet<string>): boolean {
  return m.patch.every((edit) => {
    const text = input.files.find((f) => f.path === edit.file)?.text;
    if (text === undefined || !parsedBefore.has(edit.file) || !text.includes(edit.search)) return true;
    return parseProgram(text.replace(edit.search, () => edit.replace)) !== undefined;
  });
}

/** The next candidate whose description `tried` does not mention (the ledger's FAIL notes name tried candidates) and whose file still parses. */
export function nextCandidate(input: RepairInput, tried: string): RankedMutation | undefined {
  const search = searchOf(input);
  return search.ranked.find((m) => {
    if (tried.includes(m.description)) return false;
    let parses = search.parses.get(m.description);
    if (parses === undefined) search.parses.set(m.description, (parses = stillParses(input, m, search.parsedBefore)));
    return parses;
  });
}

/** One failing test's ranked candidates and the parse verdicts reached so far. */
interface Search {
  readonly ranked: RankedMutation[];
  readonly parsedBefore: ReadonlySet<string>;
  readonly parses: Map<string, boolean>;
}

// Every step of a sub-task sends the same failure and files: rank them once, not once per candidate.
const SEARCHES = 16;
const searches = new Map<string, Search>();
function searchOf(input: RepairInput): Search {
  const key = JSON.stringify([
    input.failingTest,
    input.output,
    input.testCode ?? null,
    input.files,
    [...(input.executedLines ?? [])].map(([f, lines]) => [f, [...lines]]),
    [...(input.executedByTest ?? [])].map(([f, lines]) => [f, [...lines]]),
  ]);
  let search = searches.get(key);
  if (search) {
    // Most recently used last.
    searches.delete(key);
  } else {
    search = {
      ranked: rankMutations(input),
      parsedBefore: new Set(
        input.files.filter((f) => /\.(?:m|c)?js$/.test(f.path) && parseProgram(f.text)).map((f) => f.path),
      ),
      parses: new Map(),
    };
    if (searches.size >= SEARCHES) searches.delete(searches.keys().next().value!);
  }
  searches.set(key, search);
  return search;
}

const linesOf = (sections: ReturnType<typeof readPrompt>['sections'], name: string) =>
  new Map(sections.filter((s) => s.name === name && s.label).map((s) => [s.label!, parseLines(s.body)]));

/** The offline patch step: read the prompt's sections and propose the next untried candidate. */
export function patchSkill(prompt: string): PatchProposal {
  const p = readPrompt(prompt);
  const input: RepairInput = {
    failingTest: p.body('failing-test') ?? '',
    output: p.body('test-output') ?? '',
    testCode: p.body('failing-test-code'),
    files: p.sections.filter((s) => s.name === 'file' && s.label).map((s) => ({ path: s.label!, text: s.body })),
    executedLines: linesOf(p.sections, 'executed-lines'),
    executedByTest: linesOf(p.sections, 'test-executed-lines'),
  };
  const next = nextCandidate(input, p.body('ledger') ?? '');
  if (!next)
    throw new DelmError(
      'NOT_FOUND',
      'offline patch search exhausted: every single-point mutation and fix-template edit of the given files was tried (the offline model is not an LLM)',
    );
  return {
    edits: [...next.patch],
    idea: next.description,
    risk: 'candidate edit found by search (offline model, not an LLM); verified only by the tests',
  };
}
