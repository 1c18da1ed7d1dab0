/** Validity checks of a value, as the repair templates insert them: `!x`, `x == null`, `isNaN(x)`, `!isFinite(x)`, `typeof x !== 'T'`. */
import { walk } from '../ast.js';
import type { TemplateContext } from './types.js';

/** One check: the condition under which `name` is not a valid value. */
export interface ValidityCheck {
  readonly invalid: string;
}

const typeofNames = new WeakMap<TemplateContext['program'], string[]>();

/** The type names the file compares `typeof` against (`'string'`, `'number'` when it compares none). */
function typesCompared(context: TemplateContext): string[] {
  let names = typeofNames.get(context.program);
  if (!names) {
    const seen = new Set<string>();
    walk(context.program, (node) => {
      if (node.type !== 'BinaryExpression' || !/^[!=]==?$/.test(node.operator)) return;
      const [a, b] = [node.left, node.right];
      const other =
        a.type === 'UnaryExpression' && a.operator === 'typeof'
          ? b
          : b.type === 'UnaryExpression' && b.operator === 'typeof'
            ? a
            : undefined;
      if (other?.type === 'Literal' && typeof other.value === 'string') seen.add(other.value);
    });
    names = seen.size ? [...seen].slice(0, 3) : ['string', 'number'];
    typeofNames.set(context.program, names);
  }
  return names;
}

/** The checks that `name` is invalid, cheapest and most common first. */
export function validityChecks(context: TemplateContext, name: string): ValidityCheck[] {
  const numberIsFinite = context.source.includes('Number.isFinite(');
  return [
    `!${name}`,
    `${name} == null`,
    `isNaN(${name})`,
    numberIsFinite ? `!Number.isFinite(${name})` : `!isFinite(${name})`,
    ...typesCompared(context).map((t) => `typeof ${name} !== '${t}'`),
  ].map((invalid) => ({ invalid }));
}
