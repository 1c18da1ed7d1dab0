/**
 * What a failing assertion expected, read from its message as the common runners print it: node's
 * `assert` (`A !== B`, `A == B`, the `+ actual - expected` diff), TAP/tape YAML (`expected:` /
 * `actual:`), jest (`Expected:` / `Received:`) and chai/vitest (`expected A to be B`).
 */

/** Literals (as JavaScript source) in the expected and actual values of a failing assertion. */
export interface AssertionValues {
  readonly expected: string[];
  readonly actual: string[];
}

const LITERAL =
  /'(?:[^'\\\n]|\\.){0,200}'|"(?:[^"\\\n]|\\.){0,200}"|(?<![\w$.])-?\d+(?:\.\d+)?(?![\w$])|\b(?:null|undefined|true|false|NaN|Infinity)\b/g;

/** The literals in `text`, as JavaScript source, in order, without repeats; double-quoted strings come back single-quoted when that needs no escape. */
export function literalsIn(text: string): string[] {
  const out = new Set<string>();
  for (const [m] of text.matchAll(LITERAL)) {
    if (m.startsWith('"') && !m.includes("'") && !m.includes('\\')) out.add(`'${m.slice(1, -1)}'`);
    else out.add(m);
  }
  return [...out];
}

/** The expected and actual values' texts in an assertion failure's output, as far as they can be told apart. */
function valueTexts(output: string): { expected: string[]; actual: string[] } {
  const expected: string[] = [];
  const actual: string[] = [];
  // TAP / tape YAML: `expected: |-\n  value\nactual: |-\n  value` or inline.
  for (const m of output.matchAll(
    /^\s*expected:\s*(?:\|-?\s*\n)?([\s\S]*?)^\s*actual:\s*(?:\|-?\s*\n)?([\s\S]*?)(?=^\s*(?:at|stack|operator):|$(?![\s\S]))/gm,
  )) {
    expected.push(m[1] ?? '');
    actual.push(m[2] ?? '');
  }
  // jest: `Expected: X` / `Received: Y`.
  for (const m of output.matchAll(/^\s*Expected(?: value)?:\s*(.+)$/gm)) expected.push(m[1] ?? '');
  for (const m of output.matchAll(/^\s*Received(?: value)?:\s*(.+)$/gm)) actual.push(m[1] ?? '');
  // chai / vitest: `expected A to be B`, `to equal B`, `to deeply equal B`.
  for (const m of output.matchAll(/expected (.+?) to (?:be|equal|deeply equal|strictly equal|eql)\s+(.+)$/gm)) {
    actual.push(m[1] ?? '');
    expected.push(m[2] ?? '');
  }
  // node assert: the `+ actual - expected` diff.
  if (/\+ actual - expected/.test(output)) {
    for (const m of output.matchAll(/^[ \t]*-[ \t]+(.+)$/gm)) expected.push(m[1] ?? '');
    for (const m of output.matchAll(/^[ \t]*\+[ \t]+(.+)$/gm)) actual.push(m[1] ?? '');
  } else {
    // node assert: `A !== B`, `A == B`, `A deepStrictEqual B` on one line (actual first).
    const one =
      /^(?:AssertionError[^:]*:\s*)?(.+?)\s+(?:!==|===|!=|==|deepStrictEqual|deepEqual|notStrictEqual)\s+(.+)$/m;
    const line = output
      .split('\n')
      .slice(0, 6)
      .map((l) => one.exec(l))
      .find(Boolean);
    if (line) {
      actual.push(line[1] ?? '');
      expected.push(line[2] ?? '');
    }
  }
  return { expected, actual };
}

/** The literals of the expected and actual values of the failing assertion in `output`. */
export function assertionValues(output: string): AssertionValues {
  const { expected, actual } = valueTexts(output);
  return { expected: literalsIn(expected.join('\n')), actual: literalsIn(actual.join('\n')) };
}
