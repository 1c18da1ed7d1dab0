/**
 * A task prompt too long to pass around whole is read like a source: every agent's prompt repeats the
 * question, and a sub-task that quotes it must fit a payload. Its text becomes sources `task.1`,
 * `task.2`, … (verbatim slices cut at paragraph, sentence or word breaks), and the question agents
 * see is its opening and its closing (where the question usually is) with a pointer to those sources.
 */
import { SUB_TASK_CHARS } from './schemas.js';

/** Prompts longer than this (in characters) are read as sources. */
export const LONG_PROMPT_CHARS = SUB_TASK_CHARS;
/** Longest slice of a long prompt stored as one source. */
export const PROMPT_CHUNK_CHARS = 8_000;
const HEAD_CHARS = 1_000;
const TAIL_CHARS = 1_500;

/** A long prompt as a short question plus the sources that hold all of it. */
export interface PromptAsSources {
  question: string;
  sources: Array<{ label: string; title: string; text: string }>;
}

/** Where to end a slice of `text` starting at `from` of at most `max` characters: a paragraph, sentence or word break when one is near. */
function cutAt(text: string, from: number, max: number): number {
  const end = from + max;
  if (end >= text.length) return text.length;
  const window = text.slice(from + Math.floor(max / 2), end);
  const base = from + Math.floor(max / 2);
  for (const pattern of [/\n\s*\n/g, /[.!?]["')\]]?\s/g, /\s/g]) {
    let last = -1;
    for (const m of window.matchAll(pattern)) last = m.index + m[0].length;
    if (last > 0) return base + last;
  }
  // No break at all: a hard cut, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/** Splits `text` into verbatim slices of at most `max` characters that join back into it. */
export function sliceText(text: string, max: number): string[] {
  const out: string[] = [];
  for (let from = 0; from < text.length;) {
    const to = cutAt(text, from, max);
    out.push(text.slice(from, to));
    from = to;
  }
  return out;
}

/** A label prefix none of `taken` uses: `task`, else `task_prompt`, `task_prompt2`, … */
function freePrefix(taken: readonly string[]): string {
  const used = (prefix: string) => taken.some((l) => l === prefix || l.startsWith(`${prefix}.`));
  if (!used('task')) return 'task';
  for (let i = 1; ; i++) if (!used(`task_prompt${i === 1 ? '' : i}`)) return `task_prompt${i === 1 ? '' : i}`;
}

/**
 * The sources and short question of a prompt longer than {@link LONG_PROMPT_CHARS}; undefined for a
 * shorter one. `takenLabels` are the task's own source labels, which the new ones must not repeat.
 */
export function promptAsSources(prompt: string, takenLabels: readonly string[] = []): PromptAsSources | undefined {
  if (prompt.length <= LONG_PROMPT_CHARS) return undefined;
  const prefix = freePrefix(takenLabels);
  const slices = sliceText(prompt, PROMPT_CHUNK_CHARS);
  const sources = slices.map((text, i) => ({
    label: `${prefix}.${i + 1}`,
    title: `the task, part ${i + 1} of ${slices.length}`,
    text,
  }));
  const head = prompt.slice(0, cutAt(prompt, 0, HEAD_CHARS)).trimEnd();
  let tailStart = prompt.length - TAIL_CHARS;
  const space = prompt.slice(tailStart).search(/\s/);
  if (space >= 0) tailStart += space + 1;
  else if (/[\udc00-\udfff]/.test(prompt[tailStart]!)) tailStart++; // not after the first half of a surrogate pair
  const tail = prompt.slice(tailStart).trimStart();
  const range = sources.length === 1 ? sources[0]!.label : `${sources[0]!.label} to ${sources.at(-1)!.label}`;
  const omitted = prompt.length - head.length - tail.length;
  return {
    question: `${head}\n[… ${omitted} more characters of the task: its full text is in sources ${range} …]\n${tail}`,
    sources,
  };
}
