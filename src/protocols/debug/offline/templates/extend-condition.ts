/**
 * Extend a condition (TBar's condition expression templates): add a disjunct or a conjunct taken
 * from a condition nearby in the same function (`C || D`, `C && D`, `C && !D`), or a validity check
 * of a variable the condition reads (`C || isNaN(x)`, `C || typeof x !== 'string'`, …) or of a
 * number it converts (`C || isNaN(Date.parse(s))`). Conditions are the tests of `if`s, loops and
 * `?:`, and booleans computed for later (`var stale = A || B`, `return a > b`).
 */
import type { AnyNode, Expression } from 'acorn';
import { identifiersOf, textOf, walk, walkOwnBody } from '../ast.js';
import { validityChecks } from './checks.js';
import type { FixTemplate, TemplateContext, TemplateEdit } from './types.js';
import { oneLine } from './types.js';

const NEARBY_LINES = 20;
const LOW_PRECEDENCE = new Set([
  'LogicalExpression',
  'ConditionalExpression',
  'SequenceExpression',
  'AssignmentExpression',
]);

interface Condition {
  readonly node: Expression;
  /** Whether the node is a whole test (an `if`'s, a loop's, a `?:`'s) rather than an operand inside one. */
  readonly whole: boolean;
}

const hasEffects = (node: AnyNode): boolean => {
  let effects = false;
  walk(node, (n) => {
    if (n.type === 'AssignmentExpression' || n.type === 'UpdateExpression' || n.type === 'AwaitExpression')
      effects = true;
  });
  return effects;
};

/** The tests of every `if`, loop and `?:` in the function, and the operands of their `&&`/`||` chains. */
function conditionsOf(fn: TemplateContext['functions'][number]['node']): Condition[] {
  const out: Condition[] = [];
  const operands = (e: Expression) => {
    if (e.type !== 'LogicalExpression' || e.operator === '??') return;
    for (const side of [e.left, e.right]) {
      out.push({ node: side, whole: false });
      operands(side);
    }
  };
  walkOwnBody(fn, (node) => {
    const test =
      node.type === 'IfStatement' ||
      node.type === 'ConditionalExpression' ||
      node.type === 'WhileStatement' ||
      node.type === 'DoWhileStatement'
        ? node.test
        : node.type === 'ForStatement'
          ? node.test
          : undefined;
    if (test) {
      out.push({ node: test, whole: true });
      operands(test);
      return;
    }
    // A boolean computed for later (`var stale = A || B`, `return a > b`) is a condition too.
    const value =
      node.type === 'VariableDeclarator'
        ? node.init
        : node.type === 'AssignmentExpression' && node.operator === '='
          ? node.right
          : node.type === 'ReturnStatement'
            ? node.argument
            : undefined;
    if (value && isBoolean(value)) {
      out.push({ node: value, whole: true });
      operands(value);
    }
  });
  return out;
}

const COMPARISON = /^(?:[<>]=?|[!=]==?)$/;
// A value is a boolean when it compares, negates, or is a `&&`/`||` that ends in one (`a || ''` is a default, not a test).
const isBoolean = (e: AnyNode): boolean =>
  (e.type === 'BinaryExpression' && COMPARISON.test(e.operator)) ||
  (e.type === 'UnaryExpression' && e.operator === '!') ||
  (e.type === 'LogicalExpression' && e.operator !== '??' && isBoolean(e.right));

// Conversions that give NaN for what they cannot read.
const NUMBER_CONVERSION = /^(?:Date\.parse|parseInt|parseFloat|Number|Math\.\w+)$/;

/** The numeric conversions a condition computes (`Date.parse(s)`), whose result may be NaN. */
function conversionsIn(source: string, node: AnyNode): string[] {
  const out = new Set<string>();
  walk(node, (n) => {
    if (n.type === 'CallExpression' && NUMBER_CONVERSION.test(textOf(source, n.callee))) out.add(textOf(source, n));
  });
  return [...out];
}

const lineOf = (source: string, offset: number) => source.slice(0, offset).split('\n').length;
const paren = (text: string, node: AnyNode) => (LOW_PRECEDENCE.has(node.type) ? `(${text})` : text);
const negate = (text: string, node: AnyNode) =>
  node.type === 'Identifier' || node.type === 'CallExpression' || node.type === 'MemberExpression'
    ? `!${text}`
    : `!(${text})`;

/** The extend-condition template (see the module comment). */
export const extendCondition: FixTemplate = (context) => {
  const { source } = context;
  const out: TemplateEdit[] = [];
  const extend = (c: Condition, op: '||' | '&&', addition: string, what: string, bonus: number) => {
    const own = textOf(source, c.node);
    // Inside a larger expression the extended condition keeps its own parentheses.
    const text = c.whole ? `${paren(own, c.node)} ${op} ${addition}` : `(${own} ${op} ${addition})`;
    out.push({ start: c.node.start, end: c.node.end, text, what: `${oneLine(own, 40)} → … ${op} ${what}`, bonus });
  };
  for (const { node: fn } of context.functions) {
    const conditions = conditionsOf(fn);
    for (const c of conditions) {
      const own = textOf(source, c.node);
      const line = lineOf(source, c.node.start);
      const seen = new Set<string>([own]);
      for (const d of conditions) {
        const other = textOf(source, d.node);
        if (seen.has(other) || own.includes(other) || other.includes(own) || hasEffects(d.node)) continue;
        if (Math.abs(lineOf(source, d.node.start) - line) > NEARBY_LINES) continue;
        seen.add(other);
        const added = paren(other, d.node);
        extend(c, '||', added, oneLine(added), 0);
        extend(c, '&&', added, oneLine(added), 0);
        extend(c, '&&', negate(other, d.node), oneLine(negate(other, d.node)), 0);
      }
      if (!c.whole) continue;
      for (const value of conversionsIn(source, c.node)) {
        const check = `isNaN(${value})`;
        if (!own.includes(check)) extend(c, '||', check, `check ${oneLine(check)}`, 0);
      }
      for (const name of identifiersOf(c.node)) {
        // Globals and called functions are not values worth checking.
        if (/^(?:undefined|NaN|Infinity|Number|String|Math|Object|Array|JSON)$/.test(name)) continue;
        if (new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\s*\\(`).test(own)) continue;
        for (const check of validityChecks(context, name)) {
          if (own.includes(check.invalid)) continue;
          extend(c, '||', check.invalid, `check ${check.invalid}`, 0);
        }
      }
    }
  }
  return out;
};
