/**
 * The cheap screen before a test run: a patched JavaScript file that no longer parses is refused
 * without copying the workspace or starting the runner. acorn parses it as an ES module, else as a
 * CommonJS script; files acorn cannot read to begin with (TypeScript, JSX) are not judged.
 */
import { parse, type Options, type Program } from 'acorn';

const BASE: Options = { ecmaVersion: 'latest', allowHashBang: true };
const SOURCE_TYPES: readonly Options[] = [
  { ...BASE, sourceType: 'module' },
  { ...BASE, sourceType: 'script', allowReturnOutsideFunction: true },
];

/** Files the check reads: plain JavaScript. */
export const JS_FILE = /\.(?:m|c)?js$/;

/** Parses `source` as an ES module, else as a CommonJS script (top-level `return` allowed); undefined when neither parses. */
export function parseProgram(source: string): Program | undefined {
  for (const options of SOURCE_TYPES) {
    try {
      return parse(source, options);
    } catch {
      // the next source type
    }
  }
  return undefined;
}

/** acorn's message for `source` read as a script, e.g. `Unexpected token (12:8)`. */
function firstError(source: string): string {
  try {
    parse(source, SOURCE_TYPES[SOURCE_TYPES.length - 1]!);
    return 'does not parse';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Why the edited `after` text of `file` is not JavaScript, when `before` was; undefined when it
 * parses, or when the file is not plain JavaScript or did not parse before the edit either.
 */
export function syntaxError(file: string, before: string, after: string): string | undefined {
  if (!JS_FILE.test(file) || parseProgram(after) || !parseProgram(before)) return undefined;
  return `${file}: ${firstError(after)}`;
}
