/**
 * Replace a literal with one from the failing assertion's expected value (a TBar-style literal
 * mutator fed by the test): a string by a string, a number by a number, `null` or a boolean by
 * either of those.
 */
import { walk } from '../ast.js';
import { EVIDENCE_BONUS } from './types.js';
import type { FixTemplate, TemplateEdit } from './types.js';

const kindOf = (text: string): string =>
  /^-?\d/.test(text)
    ? 'number'
    : /^['"]/.test(text)
      ? 'string'
      : /^(?:null|true|false)$/.test(text)
        ? 'constant'
        : 'other';

/** The expected-literal template (see the module comment). */
export const expectedLiteral: FixTemplate = (context) => {
  const { source } = context;
  const offered = context.expected.filter((t) => kindOf(t) !== 'other');
  if (!offered.length) return [];
  const out: TemplateEdit[] = [];
  walk(context.program, (node, ancestors) => {
    if (node.type !== 'Literal' || 'regex' in node) return;
    const parent = ancestors[ancestors.length - 1];
    // Module names, directives and property keys are not values.
    if (parent?.type === 'ImportDeclaration' || parent?.type === 'ExportNamedDeclaration') return;
    if (parent?.type === 'CallExpression' && parent.callee.type === 'Identifier' && parent.callee.name === 'require')
      return;
    if (parent?.type === 'ExpressionStatement' && 'directive' in parent) return;
    if (parent?.type === 'Property' && parent.key === node) return;
    const own = source.slice(node.start, node.end);
    for (const value of offered) {
      if (kindOf(value) !== kindOf(own)) continue;
      if (value === own || (kindOf(own) === 'string' && value.slice(1, -1) === own.slice(1, -1))) continue;
      out.push({
        start: node.start,
        end: node.end,
        text: value,
        what: `literal ${own} → ${value} (the expected value)`,
        bonus: EVIDENCE_BONUS,
      });
    }
  });
  return out;
};
