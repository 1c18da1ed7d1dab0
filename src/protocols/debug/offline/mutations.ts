import type { Patch } from '../../../workloads/debugging/patch.js';

/** One candidate single-location program-repair edit, ready to verify. */
export interface Mutation {
  /** What changes and where (line:column), e.g. `src/a.js:12:9 "<" → "<="`. */
  readonly description: string;
  readonly line: number;
  readonly patch: Patch;
  /** Rank added for evidence beyond the location (a fix template's, e.g. it uses the expected value). */
  readonly bonus?: number;
}

/** Options of {@link singlePointMutations}. */
export interface MutationOptions {
  /** Stop after this many candidates (default 500). */
  readonly max?: number;
}

// Token swaps a classic mutation-based repair tries, each in both directions where it makes sense.
const OPERATOR_SWAPS: Record<string, readonly string[]> = {
  '<': ['<=', '>'],
  '<=': ['<', '>='],
  '>': ['>=', '<'],
  '>=': ['>', '<='],
  '===': ['!=='],
  '!==': ['==='],
  '==': ['!='],
  '!=': ['=='],
  '&&': ['||'],
  '||': ['&&'],
  '+': ['-'],
  '-': ['+'],
  '*': ['/'],
  '/': ['*'],
  '+=': ['-='],
  '-=': ['+='],
};

interface Token {
  readonly kind: 'op' | 'num' | 'ident' | 'punct';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const OPS = [
  '===',
  '!==',
  '>>>',
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '??',
  '+=',
  '-=',
  '*=',
  '/=',
  '=>',
  '++',
  '--',
  '**',
  '?.',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '=',
  '&',
  '|',
  '^',
  '~',
  '?',
  ':',
];
const REGEX_AFTER = new Set([
  '(',
  ',',
  '=',
  ':',
  '[',
  '!',
  '&',
  '|',
  '?',
  '{',
  '}',
  ';',
  '&&',
  '||',
  '??',
  'return',
  'typeof',
  '=>',
]);

/** Tokens of JavaScript source outside strings, template literals, comments and regex literals. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const prev = () => out[out.length - 1]?.text ?? ';';
  while (i < src.length) {
    const c = src[i] ?? '';
    const two = src.slice(i, i + 2);
    if (/\s/.test(c)) i++;
    else if (two === '//') i = src.indexOf('\n', i) === -1 ? src.length : src.indexOf('\n', i);
    else if (two === '/*') i = src.indexOf('*/', i + 2) === -1 ? src.length : src.indexOf('*/', i + 2) + 2;
    else if (c === '"' || c === "'" || c === '`') i = skipString(src, i, c);
    else if (c === '/' && REGEX_AFTER.has(prev())) i = skipRegex(src, i);
    else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:0[xXbBoO][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)n?/.exec(src.slice(i));
      const text = m?.[0] ?? c;
      out.push({ kind: 'num', text, start: i, end: i + text.length });
      i += text.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const text = /^[A-Za-z0-9_$]+/.exec(src.slice(i))?.[0] ?? c;
      out.push({ kind: 'ident', text, start: i, end: i + text.length });
      i += text.length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      const text = op ?? c;
      out.push({ kind: op ? 'op' : 'punct', text, start: i, end: i + text.length });
      i += text.length;
    }
  }
  return out;
}

function skipString(src: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < src.length && src[i] !== quote) i += src[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipRegex(src: string, from: number): number {
  let i = from + 1;
  let inClass = false;
  while (i < src.length && src[i] !== '\n') {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    i++;
  }
  i++;
  while (/[a-z]/.test(src[i] ?? '')) i++;
  return i;
}

/**
 * Every single-location mutation of `source` that a classic repair search tries: swap a comparison,
 * arithmetic or logical operator, nudge a number (±1, 0↔1), drop or add a `!`, swap the two
 * arguments of a call. Each comes as a {@link Patch} whose search text is made unique in the file.
 */
export function singlePointMutations(file: string, source: string, options: MutationOptions = {}): Mutation[] {
  const max = options.max ?? 500;
  const tokens = tokenize(source);
  const out: Mutation[] = [];
  const seen = new Set<string>();
  const add = (start: number, end: number, replacement: string, what: string) => {
    if (out.length >= max) return;
    const mutated = source.slice(0, start) + replacement + source.slice(end);
    if (mutated === source || seen.has(mutated)) return;
    seen.add(mutated);
    const edit = uniqueEdit(source, start, end, replacement);
    if (!edit) return;
    const before = source.slice(0, start);
    const line = before.split('\n').length;
    // The column keeps two mutations of the same token on one line apart (`year % 4 === 0 … !== 0`).
    const column = start - before.lastIndexOf('\n');
    out.push({ description: `${file}:${line}:${column} ${what}`, line, patch: [{ file, ...edit }] });
  };

  tokens.forEach((t, k) => {
    const before = tokens[k - 1];
    if (t.kind === 'op') {
      const unaryMinus =
        (t.text === '-' || t.text === '+') &&
        (!before ||
          before.kind === 'op' ||
          ['(', ',', '[', '{', ';'].includes(before.text) ||
          before.text === 'return');
      if (!unaryMinus)
        for (const alt of OPERATOR_SWAPS[t.text] ?? []) add(t.start, t.end, alt, `"${t.text}" → "${alt}"`);
      if (t.text === '!' && tokens[k + 1]?.text !== '=') add(t.start, t.end, '', 'drop "!"');
    } else if (t.kind === 'num' && /^[0-9]+$/.test(t.text)) {
      const n = Number(t.text);
      for (const alt of new Set([n + 1, n - 1, n === 0 ? 1 : n === 1 ? 0 : n])) {
        if (alt >= 0 && alt !== n) add(t.start, t.end, String(alt), `${n} → ${alt}`);
      }
    } else if (
      t.kind === 'ident' &&
      before &&
      (before.text === 'return' || before.text === '(' || before.text === '&&' || before.text === '||') &&
      tokens[k + 1]?.text !== '=>'
    ) {
      if (
        !['function', 'const', 'let', 'new', 'typeof', 'await', 'true', 'false', 'null', 'undefined'].includes(t.text)
      )
        add(t.start, t.start, '!', `add "!" before ${t.text}`);
    }
    if (t.text === '(' && before?.kind === 'ident') {
      const args = twoArgs(tokens, k);
      if (args) {
        const [a, b] = args;
        const textA = source.slice(a.start, a.end);
        const textB = source.slice(b.start, b.end);
        if (textA !== textB)
          add(a.start, b.end, `${textB}${source.slice(a.end, b.start)}${textA}`, `swap arguments of ${before.text}()`);
      }
    }
  });
  return out;
}

/** The two top-level argument spans of the call opening at tokens[open], when it has exactly two. */
function twoArgs(
  tokens: readonly Token[],
  open: number,
): [{ start: number; end: number }, { start: number; end: number }] | undefined {
  let depth = 0;
  const spans: { start: number; end: number }[] = [];
  let argStart = -1;
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (!t) break;
    if (depth === 0 && (t.text === ',' || t.text === ')')) {
      const last = tokens[k - 1];
      if (argStart === -1 || !last) return undefined;
      spans.push({ start: argStart, end: last.end });
      if (t.text === ')') return spans.length === 2 && spans[0] && spans[1] ? [spans[0], spans[1]] : undefined;
      argStart = -1;
      continue;
    }
    if (argStart === -1) argStart = t.start;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    if (depth < 0) return undefined;
  }
  return undefined;
}

/** A search/replace pair for replacing source[start, end) with `replacement`: the changed line(s), widened until unique. */
export function uniqueEdit(
  source: string,
  start: number,
  end: number,
  replacement: string,
): { search: string; replace: string } | undefined {
  let from = source.lastIndexOf('\n', start - 1) + 1;
  let to = source.indexOf('\n', end);
  if (to === -1) to = source.length;
  for (let widen = 0; widen < 20; widen++) {
    const search = source.slice(from, to);
    if (search.trim() && source.indexOf(search) === source.lastIndexOf(search)) {
      return { search, replace: source.slice(from, start) + replacement + source.slice(end, to) };
    }
    if (from === 0 && to === source.length) return undefined;
    from = from === 0 ? 0 : source.lastIndexOf('\n', from - 2) + 1;
    const next = source.indexOf('\n', to + 1);
    to = to >= source.length ? source.length : next === -1 ? source.length : next;
  }
  return undefined;
}
