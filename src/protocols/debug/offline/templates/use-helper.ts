/**
 * Use the file's own helper instead of the lookup it wraps (PraPR's field-access-to-method
 * replacement, GenProg's reuse of existing code): when a one-parameter function `f(p)` reads
 * `E[p]` (or `E.has(p)`, `E.includes(p)`), another `E[x]` in its scope becomes `f(x)` — the helper
 * usually knows more than the bare lookup (aliases, defaults, normalisation).
 */
import type { AnyNode, Expression } from 'acorn';
import { isFunction, textOf, walk, walkOwnBody, type FunctionLike } from '../ast.js';
import type { FixTemplate, TemplateEdit } from './types.js';
import { oneLine } from './types.js';

interface Helper {
  readonly name: string;
  readonly node: FunctionLike;
  /** The function (or program) whose body declares the helper: where the name is in scope. */
  readonly scope: AnyNode;
  /** The text of `E` in each lookup `E[p]` it makes of its parameter. */
  readonly objects: ReadonlySet<string>;
}

/** `E[key]`, `E.has(key)`, `E.includes(key)`: the object's text and the key expression. */
function lookupOf(source: string, node: AnyNode): { object: string; key: Expression } | undefined {
  if (node.type === 'MemberExpression' && node.computed && node.object.type !== 'Super')
    return { object: textOf(source, node.object), key: node.property as Expression };
  if (
    node.type === 'CallExpression' &&
    node.arguments.length === 1 &&
    node.arguments[0]?.type !== 'SpreadElement' &&
    node.callee.type === 'MemberExpression' &&
    !node.callee.computed &&
    node.callee.property.type === 'Identifier' &&
    /^(?:has|includes)$/.test(node.callee.property.name) &&
    node.callee.object.type !== 'Super'
  )
    return { object: `${textOf(source, node.callee.object)}.${node.callee.property.name}`, key: node.arguments[0]! };
  return undefined;
}

/** The use-helper template (see the module comment). */
export const useHelper: FixTemplate = (context) => {
  const { source } = context;
  const helpers: Helper[] = [];
  walk(context.program, (node, ancestors) => {
    if (!isFunction(node) || node.params.length !== 1 || node.params[0]?.type !== 'Identifier') return;
    const parent = ancestors[ancestors.length - 1];
    const name =
      node.type === 'FunctionDeclaration'
        ? node.id?.name
        : parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier'
          ? parent.id.name
          : undefined;
    if (!name) return;
    const param = node.params[0].name;
    const objects = new Set<string>();
    walkOwnBody(node, (inner) => {
      const lookup = lookupOf(source, inner);
      if (lookup?.key.type === 'Identifier' && lookup.key.name === param) objects.add(lookup.object);
    });
    const scope = [...ancestors].reverse().find((a) => isFunction(a)) ?? context.program;
    if (objects.size) helpers.push({ name, node, scope, objects });
  });
  const out: TemplateEdit[] = [];
  for (const helper of helpers)
    walk(helper.scope, (node, ancestors) => {
      const lookup = lookupOf(source, node);
      if (!lookup || !helper.objects.has(lookup.object)) return;
      // Not inside the helper itself (it would call itself), nor where the lookup is assigned to.
      if (node.start >= helper.node.start && node.end <= helper.node.end) return;
      const parent = ancestors[ancestors.length - 1];
      if (parent?.type === 'AssignmentExpression' && parent.left === node) return;
      if (parent?.type === 'UpdateExpression' || (parent?.type === 'UnaryExpression' && parent.operator === 'delete'))
        return;
      const call = `${helper.name}(${textOf(source, lookup.key)})`;
      out.push({
        start: node.start,
        end: node.end,
        text: call,
        what: `use ${helper.name}(): ${oneLine(textOf(source, node), 40)} → ${oneLine(call, 40)}`,
        bonus: 0,
      });
    });
  return out;
};
