/**
 * Insert a guard with an early return (TBar's null-pointer checker, PraPR's inserted return): at the
 * start of a function, `if (<check of a parameter>) return <value>;`, and before a `return` that
 * uses a local variable, the same check of that variable. The value comes from the failing
 * assertion's expected value when it is a simple literal, else `null`.
 */
import type { AnyNode } from 'acorn';
import { indentAt, startsLine, textOf, walkOwnBody, type FunctionLike } from '../ast.js';
import { validityChecks } from './checks.js';
import { EVIDENCE_BONUS } from './types.js';
import type { FixTemplate, TemplateContext, TemplateEdit } from './types.js';

const SIMPLE = /^(?:null|undefined|true|false|-?\d+(?:\.\d+)?|'[^'\n]{0,40}'|"[^"\n]{0,40}")$/;

/** Values an inserted early return gives back, with the bonus for coming from the expected value. */
function returnValues(context: TemplateContext): Array<{ value: string; bonus: number }> {
  const fromTest = context.expected.filter((v) => SIMPLE.test(v)).slice(0, 3);
  const out = fromTest.map((value) => ({ value, bonus: EVIDENCE_BONUS }));
  if (!fromTest.includes('null')) out.push({ value: 'null', bonus: 0 });
  return out;
}

const paramNames = (fn: FunctionLike): string[] =>
  fn.params.flatMap((p) =>
    p.type === 'Identifier'
      ? [p.name]
      : p.type === 'AssignmentPattern' && p.left.type === 'Identifier'
        ? [p.left.name]
        : [],
  );

const mentions = (source: string, node: AnyNode, name: string) =>
  new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(textOf(source, node));

/** The insert-guard template (see the module comment). */
export const insertGuard: FixTemplate = (context) => {
  const { source } = context;
  const values = returnValues(context);
  const out: TemplateEdit[] = [];
  const guardBefore = (at: number, name: string, where: string) => {
    if (!startsLine(source, at)) return;
    const indent = indentAt(source, at);
    for (const check of validityChecks(context, name))
      for (const { value, bonus } of values)
        out.push({
          start: at,
          end: at,
          text: `if (${check.invalid}) return ${value};\n${indent}`,
          what: `guard ${where}: if (${check.invalid}) return ${value}`,
          bonus,
        });
  };
  for (const { node: fn } of context.functions) {
    if (fn.body.type !== 'BlockStatement') continue;
    const first = fn.body.body.find((s) => !(s.type === 'ExpressionStatement' && 'directive' in s && s.directive));
    if (first) for (const name of paramNames(fn)) guardBefore(first.start, name, 'at function start');
    // Locals: before each return (in a statement list) that gives back something computed from them.
    const locals: Array<{ name: string; end: number }> = [];
    walkOwnBody(fn, (node) => {
      if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier')
        locals.push({ name: node.id.name, end: node.end });
    });
    walkOwnBody(fn, (node, ancestors) => {
      const parent = ancestors[ancestors.length - 1];
      if (node.type !== 'ReturnStatement' || !node.argument) return;
      if (parent?.type !== 'BlockStatement' && parent?.type !== 'SwitchCase') return;
      for (const local of locals)
        if (local.end < node.start && mentions(source, node.argument, local.name))
          guardBefore(node.start, local.name, 'before return');
    });
  }
  return out;
};
