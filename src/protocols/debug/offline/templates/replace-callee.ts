/**
 * Replace the function a call names with another the file calls with as many arguments (TBar's
 * "mutate method invocation" template, PraPR's method-call replacement): `parseInt(s)` →
 * `parseFloat(s)`, `Math.floor(x)` → `Math.round(x)`, `check(key)` → `isKnown(key)`. Only names a
 * call can safely mean anywhere are offered: the global conversion functions, methods of the global
 * objects (`Math`, `Number`, …), and functions the file declares at its top level.
 */
import type { AnyNode, CallExpression, Program } from 'acorn';
import { textOf, walk } from '../ast.js';
import type { FixTemplate, TemplateEdit } from './types.js';
import { oneLine } from './types.js';

const GLOBAL_OBJECTS = new Set(['Math', 'Number', 'String', 'JSON', 'Object', 'Array', 'Boolean', 'Date']);
const GLOBAL_FUNCTIONS = new Set([
  'Number',
  'String',
  'Boolean',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURIComponent',
  'decodeURIComponent',
  'encodeURI',
  'decodeURI',
]);
/** At most this many other names per call, the file's most used first. */
const MAX_ALTERNATIVES = 6;

/** The callee's name when it is one the template may swap: a global function, a global object's method, or a top-level function of the file. */
function calleeName(callee: AnyNode, declared: ReadonlySet<string>): string | undefined {
  if (callee.type === 'Identifier')
    return GLOBAL_FUNCTIONS.has(callee.name) || declared.has(callee.name) ? callee.name : undefined;
  if (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.object.type === 'Identifier' &&
    GLOBAL_OBJECTS.has(callee.object.name) &&
    callee.property.type === 'Identifier'
  )
    return `${callee.object.name}.${callee.property.name}`;
  return undefined;
}

/** Names of the functions declared at the top level of the program (`function f`, `const f = (…) =>`). */
function topLevelFunctions(program: Program): Set<string> {
  const out = new Set<string>();
  for (const s of program.body) {
    if (s.type === 'FunctionDeclaration' && s.id) out.add(s.id.name);
    if (s.type === 'VariableDeclaration')
      for (const d of s.declarations)
        if (
          d.id.type === 'Identifier' &&
          (d.init?.type === 'FunctionExpression' || d.init?.type === 'ArrowFunctionExpression')
        )
          out.add(d.id.name);
  }
  return out;
}

/** The replace-callee template (see the module comment). */
export const replaceCallee: FixTemplate = (context) => {
  const { source } = context;
  const declared = topLevelFunctions(context.program);
  const calls: Array<{ call: CallExpression; name: string }> = [];
  const uses = new Map<string, { count: number; arities: Set<number> }>();
  walk(context.program, (node) => {
    if (node.type !== 'CallExpression' || node.arguments.some((a) => a.type === 'SpreadElement')) return;
    const name = calleeName(node.callee, declared);
    if (!name) return;
    calls.push({ call: node, name });
    const use = uses.get(name) ?? { count: 0, arities: new Set<number>() };
    use.count++;
    use.arities.add(node.arguments.length);
    uses.set(name, use);
  });
  const byUse = [...uses].sort((a, b) => b[1].count - a[1].count);
  const out: TemplateEdit[] = [];
  for (const { call, name } of calls) {
    const arity = call.arguments.length;
    const others = byUse
      .filter(([other, use]) => other !== name && use.arities.has(arity))
      .slice(0, MAX_ALTERNATIVES)
      .map(([other]) => other);
    for (const other of others)
      out.push({
        start: call.callee.start,
        end: call.callee.end,
        text: other,
        what: `call ${other} instead of ${name} in ${oneLine(textOf(source, call), 40)}`,
        bonus: 0,
      });
  }
  return out;
};
