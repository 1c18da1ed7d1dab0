/** The offline repair's view of JavaScript source: an acorn AST, a walk over it, and edits as text splices. */
import type { AnyNode, Function as FunctionNode, Node, Program } from 'acorn';

export { parseProgram } from '../../../workloads/debugging/syntax.js';

const isNode = (value: unknown): value is AnyNode =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';

/** The direct child nodes of `node`, in source order. */
export function childrenOf(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc' || key === 'range') continue;
    if (Array.isArray(value)) for (const v of value) if (isNode(v)) out.push(v);
    if (isNode(value)) out.push(value);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Calls `visit` on every node under `root` (root first) with its ancestors, nearest last. */
export function walk(root: AnyNode, visit: (node: AnyNode, ancestors: readonly AnyNode[]) => void): void {
  const stack: AnyNode[] = [];
  const go = (node: AnyNode) => {
    visit(node, stack);
    stack.push(node);
    for (const child of childrenOf(node)) go(child);
    stack.pop();
  };
  go(root);
}

/** A function node: declaration, expression, arrow or method value. */
export type FunctionLike = FunctionNode & AnyNode;

export const isFunction = (node: AnyNode): node is FunctionLike =>
  node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';

/** The name a function goes by: its own, or the variable, property or assignment target it is stored in. */
export function functionName(fn: FunctionLike, parent: AnyNode | undefined): string | undefined {
  if (fn.id) return fn.id.name;
  if (!parent) return undefined;
  if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if ((parent.type === 'Property' || parent.type === 'MethodDefinition') && parent.key.type === 'Identifier')
    return parent.key.name;
  if (parent.type === 'AssignmentExpression') {
    const left = parent.left;
    if (left.type === 'Identifier') return left.name;
    if (left.type === 'MemberExpression' && left.property.type === 'Identifier') return left.property.name;
  }
  return undefined;
}

/** Every function in `program` with its name (if any), outermost first. */
export function functionsOf(program: Program): Array<{ node: FunctionLike; name: string | undefined }> {
  const out: Array<{ node: FunctionLike; name: string | undefined }> = [];
  walk(program, (node, ancestors) => {
    if (isFunction(node)) out.push({ node, name: functionName(node, ancestors[ancestors.length - 1]) });
  });
  return out;
}

/** Calls `visit` on the nodes of `fn`'s own body, not descending into nested functions. */
export function walkOwnBody(fn: FunctionLike, visit: (node: AnyNode, ancestors: readonly AnyNode[]) => void): void {
  const stack: AnyNode[] = [];
  const go = (node: AnyNode) => {
    visit(node, stack);
    if (isFunction(node)) return;
    stack.push(node);
    for (const child of childrenOf(node)) go(child);
    stack.pop();
  };
  stack.push(fn);
  go(fn.body);
}

/** The source text of `node`. */
export const textOf = (source: string, node: Node): string => source.slice(node.start, node.end);

/** The whitespace that starts the line `offset` is on. */
export function indentAt(source: string, offset: number): string {
  const from = source.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(source.slice(from))?.[0] ?? '';
}

/** Whether `offset` is the first non-blank character of its line. */
export function startsLine(source: string, offset: number): boolean {
  const from = source.lastIndexOf('\n', offset - 1) + 1;
  return source.slice(from, offset).trim() === '';
}

/** Names of the identifiers in `node` (not property names after a dot). */
export function identifiersOf(node: AnyNode): Set<string> {
  const out = new Set<string>();
  walk(node, (n, ancestors) => {
    const parent = ancestors[ancestors.length - 1];
    if (n.type !== 'Identifier') return;
    if (parent?.type === 'MemberExpression' && parent.property === n && !parent.computed) return;
    if (parent?.type === 'Property' && parent.key === n && !parent.computed && !parent.shorthand) return;
    out.add(n.name);
  });
  return out;
}
