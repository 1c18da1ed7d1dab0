/**
 * Fix templates, as automated program repair applies them beyond single mutations (TBar's
 * templates, PraPR's and GenProg's insertions): guards with early returns, `case` labels, extended
 * conditions and validity checks, wrapping calls, literals from the expected value, calls of
 * another function than the one named, and the file's helper instead of the lookup it wraps. Each works
 * on the acorn AST and comes back as a text splice, so the file's formatting stays; every candidate
 * is a {@link Mutation} the repair search ranks with the single-point mutations.
 */
import { functionsOf, parseProgram } from '../ast.js';
import { uniqueEdit, type Mutation } from '../mutations.js';
import { addCase } from './add-case.js';
import { expectedLiteral } from './expected-literal.js';
import { extendCondition } from './extend-condition.js';
import { insertGuard } from './insert-guard.js';
import { replaceCallee } from './replace-callee.js';
import { useHelper } from './use-helper.js';
import type { FixTemplate, TemplateContext } from './types.js';
import { wrapCall } from './wrap-call.js';

export type { FixTemplate, TemplateContext, TemplateEdit } from './types.js';

/** Every template, by name. */
export const FIX_TEMPLATES: Readonly<Record<string, FixTemplate>> = {
  'insert-guard': insertGuard,
  'add-case': addCase,
  'extend-condition': extendCondition,
  'wrap-call': wrapCall,
  'expected-literal': expectedLiteral,
  'replace-callee': replaceCallee,
  'use-helper': useHelper,
};

/** What the templates learn from the failing test. */
export interface TemplateClues {
  /** Literals of the failing assertion's expected value. */
  readonly expected: readonly string[];
  /** Literals of the failing test's code near the failure. */
  readonly testLiterals: readonly string[];
}

/** Options of {@link templateCandidates}. */
export interface TemplateOptions {
  /** Candidates at most, over all templates (default 3,000). */
  readonly max?: number;
  /** Only edits starting on a line this accepts (1-based) are kept and counted against `max`. */
  readonly onLine?: (line: number) => boolean;
}

/**
 * Every fix-template edit of `source` (the file `file`), each as a patch whose search text is
 * unique in the file; none when the file does not parse. Descriptions read
 * `file:line:column template: what`.
 */
export function templateCandidates(
  file: string,
  source: string,
  clues: TemplateClues,
  options: TemplateOptions = {},
): Mutation[] {
  const program = parseProgram(source);
  if (!program) return [];
  const context: TemplateContext = {
    source,
    program,
    functions: functionsOf(program),
    expected: clues.expected,
    testLiterals: clues.testLiterals,
  };
  const max = options.max ?? 3_000;
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineAt = (offset: number) => {
    let lo = 0;
    for (let hi = lineStarts.length - 1; lo < hi;) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const out: Mutation[] = [];
  const seen = new Set<string>();
  // Each template gets an equal share, so one prolific template cannot crowd out the others.
  const share = Math.ceil(max / Object.keys(FIX_TEMPLATES).length);
  for (const [name, template] of Object.entries(FIX_TEMPLATES)) {
    let taken = 0;
    for (const edit of template(context)) {
      if (taken >= share) break;
      const line = lineAt(edit.start);
      if (options.onLine && !options.onLine(line)) continue;
      const after = source.slice(0, edit.start) + edit.text + source.slice(edit.end);
      if (after === source || seen.has(after)) continue;
      seen.add(after);
      const patch = uniqueEdit(source, edit.start, edit.end, edit.text);
      if (!patch) continue;
      const column = edit.start - source.lastIndexOf('\n', edit.start - 1);
      out.push({
        description: `${file}:${line}:${column} ${name}: ${edit.what}`.slice(0, 280),
        line,
        patch: [{ file, ...patch }],
        bonus: edit.bonus,
      });
      taken++;
    }
  }
  return out;
}
