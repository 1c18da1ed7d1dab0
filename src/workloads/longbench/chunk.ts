import type { SourceDocument } from './split.js';

/** A piece of a document, small enough for one agent's prompt; `start`/`end` index the original context. */
export interface DocumentChunk {
  /** `D2.c3`: document 2, chunk 3 (both 1-based). Stable for the same input and options. */
  readonly label: string;
  readonly docIndex: number;
  /** 1-based within its document. */
  readonly index: number;
  /** Exactly `context.slice(start, end)`. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Estimated tokens (by `countTokens`). */
  readonly tokens: number;
}

/** Options of {@link chunkDocument}. */
export interface ChunkOptions {
  /** Upper bound on a chunk's tokens (default 2,000). */
  readonly maxTokens?: number;
  /** Tokens of the previous chunk's tail repeated at the head of the next (default 0). */
  readonly overlap?: number;
  /** Token counter; defaults to an estimate of one token per four characters. */
  readonly countTokens?: (text: string) => number;
}

/** The default token estimate: one token per four characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

interface Unit {
  readonly start: number;
  readonly end: number;
  readonly tokens: number;
}

/**
 * Cuts a document into chunks of at most `maxTokens`, breaking at paragraph boundaries, then
 * sentence boundaries, and only as a last resort inside a sentence.
 */
export function chunkDocument(doc: SourceDocument, options: ChunkOptions = {}): DocumentChunk[] {
  const maxTokens = Math.max(1, options.maxTokens ?? 2_000);
  const overlap = Math.max(0, Math.min(options.overlap ?? 0, maxTokens - 1));
  const count = options.countTokens ?? estimateTokens;
  const units = toUnits(doc.text, maxTokens, count);

  const chunks: DocumentChunk[] = [];
  let i = 0;
  while (i < units.length) {
    let j = i;
    let tokens = units[i]?.tokens ?? 0;
    while (j + 1 < units.length && tokens + (units[j + 1]?.tokens ?? 0) <= maxTokens) {
      j++;
      tokens += units[j]?.tokens ?? 0;
    }
    const first = units[i];
    const last = units[j];
    if (!first || !last) break;
    const start = doc.start + first.start;
    const end = doc.start + last.end;
    const index = chunks.length + 1;
    chunks.push({
      label: `${doc.label}.c${index}`,
      docIndex: doc.index,
      index,
      text: doc.text.slice(first.start, last.end),
      start,
      end,
      tokens,
    });
    if (j + 1 >= units.length) break;
    // Step back over whole units for the overlap, but always move forward.
    let next = j + 1;
    let carried = 0;
    while (next - 1 > i && carried + (units[next - 1]?.tokens ?? 0) <= overlap) {
      next--;
      carried += units[next]?.tokens ?? 0;
    }
    i = next;
  }
  return chunks;
}

/** Splits every document and chunks each: the usual way to turn a context into sub-tasks. */
export function chunkDocuments(docs: readonly SourceDocument[], options: ChunkOptions = {}): DocumentChunk[] {
  return docs.flatMap((d) => chunkDocument(d, options));
}

function toUnits(text: string, maxTokens: number, count: (t: string) => number): Unit[] {
  const units: Unit[] = [];
  for (const para of spans(text, /\n[ \t]*\n/g)) {
    const t = count(text.slice(para.start, para.end));
    if (t <= maxTokens) {
      units.push({ ...para, tokens: t });
      continue;
    }
    for (const sentence of spans(text, /(?<=[.!?]["')\]]?)\s+/g, para.start, para.end)) {
      const st = count(text.slice(sentence.start, sentence.end));
      if (st <= maxTokens) units.push({ ...sentence, tokens: st });
      else units.push(...hardSplit(text, sentence, st, maxTokens, count));
    }
  }
  return units;
}

/** Non-blank spans of `text[from, to)` between matches of `separator`, trimmed of surrounding space. */
function spans(text: string, separator: RegExp, from = 0, to = text.length): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const push = (s: number, e: number) => {
    while (s < e && /\s/.test(text[s] ?? '')) s++;
    while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
    if (e > s) out.push({ start: s, end: e });
  };
  const re = new RegExp(separator.source, separator.flags.includes('g') ? separator.flags : `${separator.flags}g`);
  re.lastIndex = from;
  let cursor = from;
  for (let m = re.exec(text); m !== null && m.index < to; m = re.exec(text)) {
    push(cursor, m.index);
    cursor = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  push(cursor, to);
  return out;
}

function hardSplit(
  text: string,
  span: { start: number; end: number },
  tokens: number,
  maxTokens: number,
  count: (t: string) => number,
): Unit[] {
  const out: Unit[] = [];
  const width = Math.max(1, Math.floor(((span.end - span.start) * maxTokens) / tokens));
  let s = span.start;
  while (s < span.end) {
    let e = Math.min(span.end, s + width);
    let t = count(text.slice(s, e));
    while (t > maxTokens && e - s > 1) {
      e = s + Math.max(1, Math.floor((e - s) / 2));
      t = count(text.slice(s, e));
    }
    out.push({ start: s, end: e, tokens: t });
    s = e;
  }
  return out;
}
