/** What a fix template reads and what it returns: text splices over the original source. */
import type { Program } from 'acorn';
import type { FunctionLike } from '../ast.js';

/** The file a template edits, parsed, with what the failing test says it should produce. */
export interface TemplateContext {
  readonly source: string;
  readonly program: Program;
  /** Every function of the file with its name, outermost first. */
  readonly functions: ReadonlyArray<{ readonly node: FunctionLike; readonly name: string | undefined }>;
  /** Literals (as JavaScript source) in the failing assertion's expected value, e.g. `null`, `'1.5kB'`. */
  readonly expected: readonly string[];
  /** Literals (as JavaScript source) in the failing test's code near the failure. */
  readonly testLiterals: readonly string[];
}

/** One edit a template proposes: replace source[start, end) with `text`. */
export interface TemplateEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** One line saying what the edit does, e.g. `guard: if (!size) return ''`. */
  readonly what: string;
  /** Added to the candidate's rank: evidence beyond its location (it uses the expected value, say). */
  readonly bonus: number;
}

/** What an edit built from the failing test's own values (its expected value, its literals) adds to its rank: less than one clue identifier on its line. */
export const EVIDENCE_BONUS = 0.5;

/** A fix template: every edit of its shape in the file. */
export type FixTemplate = (context: TemplateContext) => TemplateEdit[];

/** One-line, clipped form of a source snippet for a candidate's description. */
export function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
