import { describe, expect, it } from 'vitest';
import { assertionValues } from '../../../src/protocols/debug/offline/assertion.js';
import { parseProgram, functionsOf } from '../../../src/protocols/debug/offline/ast.js';
import {
  templateCandidates,
  FIX_TEMPLATES,
  type TemplateContext,
} from '../../../src/protocols/debug/offline/templates/index.js';

function contextOf(source: string, expected: string[] = [], testLiterals: string[] = []): TemplateContext {
  const program = parseProgram(source)!;
  return { source, program, functions: functionsOf(program), expected, testLiterals };
}

/** Every text the template makes of `source`. */
function outcomes(template: string, source: string, expected: string[] = [], testLiterals: string[] = []): string[] {
  return FIX_TEMPLATES[template]!(contextOf(source, expected, testLiterals)).map(
    (e) => source.slice(0, e.start) + e.text + source.slice(e.end),
  );
}

describe('insert-guard', () => {
  const source = 'function size(list) {\n  const n = list.length;\n  return n * 2;\n}\n';

  it('puts a check of a parameter and an early return with the expected value at the function start, indented like its body', () => {
    const out = outcomes('insert-guard', source, ["''"]);
    expect(out).toContain(
      "function size(list) {\n  if (!list) return '';\n  const n = list.length;\n  return n * 2;\n}\n",
    );
    expect(out).toContain(
      "function size(list) {\n  if (typeof list !== 'string') return null;\n  const n = list.length;\n  return n * 2;\n}\n",
    );
  });

  it('guards a local before the return that uses it, and never inside a braceless if', () => {
    const out = outcomes('insert-guard', source);
    expect(out).toContain(
      'function size(list) {\n  const n = list.length;\n  if (isNaN(n)) return null;\n  return n * 2;\n}\n',
    );
    const braceless = 'function f(a) {\n  var b = a + 1;\n  if (a) return b;\n  return 0;\n}\n';
    for (const text of outcomes('insert-guard', braceless)) expect(text).not.toMatch(/if \(a\) if/);
  });

  it('every edit parses', () => {
    for (const text of outcomes('insert-guard', source, ['null', "'x'"])) expect(parseProgram(text)).toBeDefined();
  });
});

describe('add-case', () => {
  const source =
    "function kind(c) {\n  switch (c) {\n    case 'a':\n      return 1;\n    default:\n      return 0;\n  }\n}\n";

  it("adds a label the failing test uses, of the switch's type, before an existing case", () => {
    const out = outcomes('add-case', source, [], ["'b'", '7']);
    expect(out).toEqual([
      "function kind(c) {\n  switch (c) {\n    case 'b':\n    case 'a':\n      return 1;\n    default:\n      return 0;\n  }\n}\n",
    ]);
  });

  it('adds nothing the switch already has', () => {
    expect(outcomes('add-case', source, ["'a'"], [])).toEqual([]);
  });
});

describe('extend-condition', () => {
  const source = 'function f(a, b) {\n  if (a > 0) return 1;\n  if (b) return 2;\n  return 3;\n}\n';

  it('adds a disjunct, a conjunct and a negated conjunct from a nearby condition', () => {
    const out = outcomes('extend-condition', source);
    expect(out).toContain('function f(a, b) {\n  if (a > 0 || b) return 1;\n  if (b) return 2;\n  return 3;\n}\n');
    expect(out).toContain('function f(a, b) {\n  if (a > 0 && b) return 1;\n  if (b) return 2;\n  return 3;\n}\n');
    expect(out).toContain('function f(a, b) {\n  if (a > 0 && !b) return 1;\n  if (b) return 2;\n  return 3;\n}\n');
  });

  it('adds a validity check of a variable the condition reads', () => {
    const out = outcomes('extend-condition', source);
    expect(out).toContain(
      'function f(a, b) {\n  if (a > 0 || !isFinite(a)) return 1;\n  if (b) return 2;\n  return 3;\n}\n',
    );
    expect(out).toContain(
      "function f(a, b) {\n  if (a > 0 || typeof a !== 'string') return 1;\n  if (b) return 2;\n  return 3;\n}\n",
    );
  });

  it('extends a boolean computed for later, and checks a number it converts for NaN', () => {
    const src =
      'function late(task, now) {\n  var overdue = !task.due || Number(task.due) < Math.floor(now);\n  if (overdue) task.flag = true;\n  return task.flag === true;\n}\n';
    const out = outcomes('extend-condition', src);
    const cond = '!task.due || Number(task.due) < Math.floor(now)';
    expect(out).toContain(src.replace(cond, `(${cond}) || isNaN(Number(task.due))`));
    expect(out).toContain(src.replace(cond, `(${cond}) || isNaN(Math.floor(now))`));
    expect(out).toContain(src.replace('return task.flag === true;', 'return task.flag === true || overdue;'));
    for (const text of out) expect(parseProgram(text)).toBeDefined();
    // A default (`a || ''`) is a value, not a condition.
    const defaults = "function g(o) {\n  var sep = (o && o.sep) || '';\n  return sep + o.x;\n}\n";
    expect(outcomes('extend-condition', defaults)).toEqual([]);
  });

  it('keeps precedence: an operand grows its own parentheses', () => {
    const src = 'function g(a, b, c) {\n  if (a && b) return 1;\n  if (c) return 2;\n}\n';
    expect(outcomes('extend-condition', src)).toContain(
      'function g(a, b, c) {\n  if (a && (b || c)) return 1;\n  if (c) return 2;\n}\n',
    );
  });
});

describe('wrap-call', () => {
  it('wraps a returned value in a call the file makes elsewhere, and in no other', () => {
    const source = 'function half(n) {\n  return n / 2;\n}\nfunction whole(x) {\n  return Math.floor(x);\n}\n';
    const out = outcomes('wrap-call', source);
    expect(out).toContain(
      'function half(n) {\n  return Math.floor(n / 2);\n}\nfunction whole(x) {\n  return Math.floor(x);\n}\n',
    );
    expect(out.some((t) => t.includes('String(') || t.includes('Number('))).toBe(false);
  });

  it('wraps with a converting method seen in the file, parenthesising what needs it', () => {
    const source = "function key(a, b) {\n  return a + b;\n}\nconst low = 'X'.toLowerCase();\n";
    expect(outcomes('wrap-call', source)).toContain(
      "function key(a, b) {\n  return (a + b).toLowerCase();\n}\nconst low = 'X'.toLowerCase();\n",
    );
  });
});

describe('expected-literal', () => {
  it("replaces a literal of the same type by the failing assertion's expected value, not module names or keys", () => {
    const source = "const dep = require('dep');\nfunction unit(n) {\n  return { u: 'kb', n: 1 }.u + 'kb';\n}\n";
    const out = outcomes('expected-literal', source, ["'kB'", '2']);
    expect(out).toContain("const dep = require('dep');\nfunction unit(n) {\n  return { u: 'kB', n: 1 }.u + 'kb';\n}\n");
    expect(out).toContain("const dep = require('dep');\nfunction unit(n) {\n  return { u: 'kb', n: 2 }.u + 'kb';\n}\n");
    expect(out.some((t) => t.includes("require('kB')"))).toBe(false);
    expect(out.some((t) => t.includes("{ 'kB'"))).toBe(false);
  });
});

describe('replace-callee', () => {
  const source = [
    'function isSet(flags, k) {',
    '  return flags.indexOf(k) >= 0;',
    '}',
    'function isOn(flags, k) {',
    "  return isSet(flags, k) || isSet(flags, 'all');",
    '}',
    'function width(text, flags) {',
    '  const n = Math.floor(text.length / 2);',
    "  return isOn(flags, 'wide') ? Math.ceil(n * 1.5) : parseInt(text, 10) + Number(text);",
    '}',
    '',
  ].join('\n');

  it('calls another function the file calls with as many arguments: a global one, a global object method, a top-level one', () => {
    const out = outcomes('replace-callee', source);
    expect(out).toContain(source.replace('Math.floor(text.length / 2)', 'Math.ceil(text.length / 2)'));
    expect(out).toContain(source.replace("isOn(flags, 'wide')", "isSet(flags, 'wide')"));
    expect(out).toContain(source.replace('Number(text)', 'Math.floor(text)'));
  });

  it('never changes the number of arguments, a method of a value, or a name the file does not call', () => {
    const out = outcomes('replace-callee', source);
    // parseInt takes two arguments here and nothing else is called with two but the file's own functions.
    expect(out).toContain(source.replace('parseInt(text, 10)', 'isSet(text, 10)'));
    for (const text of out) {
      expect(text).toContain('flags.indexOf(k)');
      expect(text).not.toMatch(/Math\.round|parseFloat/);
      expect(parseProgram(text)).toBeDefined();
    }
    expect(out.some((t) => t.includes('Math.floor(text, 10)'))).toBe(false);
  });
});

describe('use-helper', () => {
  const source = [
    'function make(opts) {',
    '  const known = {};',
    '  const synonyms = opts.synonyms || {};',
    '  function isKnown(word) {',
    '    return Boolean(known[word] || known[synonyms[word]]);',
    '  }',
    '  return function check(word, count) {',
    '    if (known[word]) count++;',
    '    known[word] = true;',
    '    return [isKnown(word), count, known];',
    '  };',
    '}',
    'function other(known, w) {',
    '  return known[w];',
    '}',
    '',
  ].join('\n');

  it('replaces a lookup with the one-parameter helper that wraps it, where the helper is in scope', () => {
    const out = outcomes('use-helper', source);
    expect(out).toEqual([source.replace('if (known[word]) count++;', 'if (isKnown(word)) count++;')]);
  });

  it('leaves assignments, the helper itself and code outside its scope alone', () => {
    for (const text of outcomes('use-helper', source)) {
      expect(text).toContain('known[word] = true;');
      expect(text).toContain('return Boolean(known[word] || known[synonyms[word]]);');
      expect(text).toContain('return known[w];');
      expect(parseProgram(text)).toBeDefined();
    }
  });
});

describe('templateCandidates', () => {
  const source = 'export function f(a) {\n  return a + 1;\n}\nexport function g(a) {\n  return a + 1;\n}\n';

  it('gives each edit as a patch whose search text occurs once, described by file, line and template', () => {
    const all = templateCandidates('src/f.js', source, { expected: ['null'], testLiterals: [] });
    expect(all.length).toBeGreaterThan(5);
    for (const m of all) {
      const [edit] = m.patch;
      expect(source.split(edit!.search)).toHaveLength(2);
      expect(m.description).toMatch(
        /^src\/f\.js:\d+:\d+ (insert-guard|add-case|extend-condition|wrap-call|expected-literal): /,
      );
      expect(parseProgram(source.replace(edit!.search, () => edit!.replace))).toBeDefined();
    }
    expect(new Set(all.map((m) => m.description)).size).toBe(all.length);
  });

  it('stays within its bound and proposes nothing for a file that does not parse', () => {
    expect(
      templateCandidates('f.js', source, { expected: [], testLiterals: [] }, { max: 5 }).length,
    ).toBeLessThanOrEqual(5);
    expect(templateCandidates('f.js', 'function (', { expected: [], testLiterals: [] })).toEqual([]);
  });

  it('counts its bound only over the lines it is asked for, so later lines are not crowded out', () => {
    const clues = { expected: [], testLiterals: [] };
    const max = Object.keys(FIX_TEMPLATES).length;
    expect(templateCandidates('f.js', source, clues, { max }).every((m) => m.line < 4)).toBe(true);
    const later = templateCandidates('f.js', source, clues, { max, onLine: (line) => line >= 4 });
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((m) => m.line >= 4)).toBe(true);
  });
});

describe('assertionValues', () => {
  it("reads the expected value of node's assert, tape's YAML, jest and chai", () => {
    expect(
      assertionValues('AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\nNaN !== null\n'),
    ).toEqual({
      expected: ['null'],
      actual: ['NaN'],
    });
    expect(
      assertionValues("AssertionError [ERR_ASSERTION]: '1.5 kb' == '1.5 kB'\n    at x (t.js:1:1)").expected,
    ).toEqual(["'1.5 kB'"]);
    expect(
      assertionValues(
        "operator: deepEqual\nexpected: |-\n  { k: 'a=b', _: [] }\nactual: |-\n  { _: [], k: 'a' }\nat: x",
      ).expected,
    ).toEqual(["'a=b'"]);
    expect(assertionValues('Expected: "x"\nReceived: "y"').expected).toEqual(["'x'"]);
    expect(assertionValues("AssertionError: expected 'a' to equal 'b'").expected).toEqual(["'b'"]);
  });
});
