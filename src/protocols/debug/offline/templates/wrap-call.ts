/**
 * Wrap an expression in a call the file already makes elsewhere (TBar's expression wrappers,
 * GenProg's reuse of existing code): `Math.floor(E)`, `Number(E)`, `String(E)`, or a method without
 * arguments such as `E.toLowerCase()`. Wrapped are what a function returns, initialises, assigns,
 * computes with, or passes on as a variable or property.
 */
import type { AnyNode, CallExpression, Expression } from 'acorn';
import { textOf, walk, walkOwnBody } from '../ast.js';
import type { FixTemplate, TemplateEdit } from './types.js';
import { oneLine } from './types.js';

const MAX_WRAPPERS = 6;
// Methods of strings and numbers whose result is a converted value, not a test.
const CONVERTING_METHODS = /^(?:toLowerCase|toUpperCase|trim|trimStart|trimEnd|toString|valueOf|toFixed)$/;
const GLOBAL_OBJECTS = new Set(['Math', 'Number', 'String', 'JSON', 'Object', 'Array', 'Boolean', 'BigInt']);
const GLOBAL_FUNCTIONS = new Set([
  'Number',
  'String',
  'Boolean',
  'parseInt',
  'parseFloat',
  'encodeURIComponent',
  'decodeURIComponent',
  'Array',
  'BigInt',
]);

interface Wrapper {
  readonly name: string;
  readonly wrap: (text: string, node: AnyNode) => string;
}

const SIMPLE = new Set(['Identifier', 'MemberExpression', 'CallExpression', 'Literal', 'ThisExpression']);

/** The wrappers the file's own calls show, most used first. */
function wrappersIn(program: AnyNode): Wrapper[] {
  const counts = new Map<string, { count: number; wrapper: Wrapper }>();
  const add = (name: string, wrap: Wrapper['wrap']) => {
    const entry = counts.get(name) ?? { count: 0, wrapper: { name, wrap } };
    entry.count++;
    counts.set(name, entry);
  };
  walk(program, (node) => {
    if (node.type !== 'CallExpression') return;
    const call: CallExpression = node;
    const callee = call.callee;
    if (call.arguments.length === 1 && call.arguments[0]?.type !== 'SpreadElement') {
      if (callee.type === 'Identifier' && GLOBAL_FUNCTIONS.has(callee.name))
        add(`${callee.name}()`, (t) => `${callee.name}(${t})`);
      if (
        callee.type === 'MemberExpression' &&
        !callee.computed &&
        callee.object.type === 'Identifier' &&
        GLOBAL_OBJECTS.has(callee.object.name) &&
        callee.property.type === 'Identifier' &&
        !/^is[A-Z]/.test(callee.property.name)
      ) {
        const name = `${callee.object.name}.${callee.property.name}`;
        add(`${name}()`, (t) => `${name}(${t})`);
      }
    }
    if (
      call.arguments.length === 0 &&
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      callee.property.type === 'Identifier' &&
      CONVERTING_METHODS.test(callee.property.name)
    ) {
      const method = callee.property.name;
      add(`.${method}()`, (t, n) => `${SIMPLE.has(n.type) ? t : `(${t})`}.${method}()`);
    }
  });
  return [...counts.values()]
    .sort((a, b) => b.count - a.count)
    .slice(0, MAX_WRAPPERS)
    .map((e) => e.wrapper);
}

/** The expressions worth wrapping in the function: returned, initialised, assigned, passed, computed with. */
function targetsOf(fn: Parameters<typeof walkOwnBody>[0]): Expression[] {
  const out: Expression[] = [];
  walkOwnBody(fn, (node) => {
    if (node.type === 'ReturnStatement' && node.argument) out.push(node.argument);
    else if (node.type === 'VariableDeclarator' && node.init) out.push(node.init);
    else if (node.type === 'AssignmentExpression') out.push(node.right);
    else if (node.type === 'CallExpression') {
      // Plain values passed on; a call's own arguments (a pattern, a callback) rarely want converting.
      for (const a of node.arguments) if (a.type === 'Identifier' || a.type === 'MemberExpression') out.push(a);
    } else if (node.type === 'BinaryExpression' && /^(?:[-+*/%]|[<>]=?)$/.test(node.operator)) {
      for (const side of [node.left, node.right]) if (side.type !== 'PrivateIdentifier') out.push(side);
    }
  });
  return out.filter(
    (e) =>
      e.type !== 'Literal' &&
      e.type !== 'FunctionExpression' &&
      e.type !== 'ArrowFunctionExpression' &&
      e.type !== 'ObjectExpression' &&
      e.type !== 'ArrayExpression' &&
      e.type !== 'SequenceExpression',
  );
}

/** The wrap-call template (see the module comment). */
export const wrapCall: FixTemplate = (context) => {
  const { source } = context;
  const wrappers = wrappersIn(context.program);
  const out: TemplateEdit[] = [];
  const seen = new Set<string>();
  for (const { node: fn } of context.functions)
    for (const target of targetsOf(fn)) {
      const text = textOf(source, target);
      for (const w of wrappers) {
        const wrapped = w.wrap(text, target);
        const key = `${target.start}:${wrapped}`;
        // Already wrapped this way, or wrapped before from an enclosing function's walk.
        if (seen.has(key) || text.startsWith(wrapped.slice(0, wrapped.indexOf('(') + 1))) continue;
        seen.add(key);
        out.push({
          start: target.start,
          end: target.end,
          text: wrapped,
          what: `wrap ${oneLine(text, 40)} in ${w.name}`,
          bonus: 0,
        });
      }
    }
  return out;
};
