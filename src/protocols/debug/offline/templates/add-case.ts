/**
 * Add a `case` label (a TBar-style fix template): a value the failing test uses, of the same type as
 * a switch's labels and not yet one of them, falls through to one of its existing cases.
 */
import type { SwitchStatement } from 'acorn';
import { indentAt, startsLine, walk } from '../ast.js';
import { EVIDENCE_BONUS } from './types.js';
import type { FixTemplate, TemplateEdit } from './types.js';

const literalValue = (text: string): unknown => {
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const quoted = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(text);
  return quoted ? (quoted[1] ?? quoted[2] ?? '').replace(/\\(.)/g, '$1') : undefined;
};

/** The add-case template (see the module comment). */
export const addCase: FixTemplate = (context) => {
  const { source } = context;
  const out: TemplateEdit[] = [];
  const offered = [...new Set([...context.expected, ...context.testLiterals])];
  walk(context.program, (node) => {
    if (node.type !== 'SwitchStatement') return;
    const sw: SwitchStatement = node;
    const labels = sw.cases.flatMap((c) => (c.test?.type === 'Literal' ? [c.test] : []));
    if (!labels.length) return;
    const kind = typeof labels[0]!.value;
    const taken = new Set(labels.map((l) => l.value));
    const fresh = offered.filter((t) => {
      const v = literalValue(t);
      return typeof v === kind && !taken.has(v as string | number);
    });
    for (const label of fresh.slice(0, 6))
      for (const c of sw.cases) {
        if (!c.test || !startsLine(source, c.start)) continue;
        out.push({
          start: c.start,
          end: c.start,
          text: `case ${label}:\n${indentAt(source, c.start)}`,
          what: `add "case ${label}:" before "case ${source.slice(c.test.start, c.test.end)}:"`,
          bonus: EVIDENCE_BONUS,
        });
      }
  });
  return out;
};
