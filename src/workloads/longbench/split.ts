/** One document cut out of a multi-document context; `start`/`end` are offsets into that context. */
export interface SourceDocument {
  /** 1-based position in the context. */
  readonly index: number;
  /** `D1`, `D2`, … */
  readonly label: string;
  /** The header's title when the separator carried one (e.g. `Document 2: Title`). */
  readonly title?: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** How a context was cut: which separator was recognised, or `size` when none was. */
export type SeparatorKind = 'numbered-header' | 'xml-tag' | 'rule-line' | 'markdown-heading' | 'size' | 'single';

/** Options of {@link splitIntoDocuments}. */
export interface SplitOptions {
  /** With no recognised separator, contexts longer than this are cut into pieces of about this size (default 40,000 characters). */
  readonly maxDocumentChars?: number;
}

interface Marker {
  /** Where the document starts (the header line's start). */
  readonly at: number;
  /** Where it ends, when that is not simply where the next one starts (a rule line between them). */
  readonly stop?: number;
  readonly title?: string;
}

// "Passage 1:", "Document 2 - Title", "[Doc 3]", "### Article 4", "=== Paper 5 ===", "Text #6."
const NUMBERED =
  /^[ \t]*(?:#{1,6}[ \t]*|\[|<|=+[ \t]*)?(passage|document|doc|article|paper|text|source|report)[ \t]*#?[ \t]*(\d{1,4})\b[ \t]*(?:\]|>|=+)?[ \t]*([:.)\-–—]?)[ \t]*(.*)$/gim;
const XML_OPEN = /^[ \t]*<(?:document|doc|passage)\b[^>]*>[ \t]*(?:\r?\n)?/gim;
// A rule only separates documents after a blank line; directly under text it is a heading underline.
const RULE = /(^|\n[ \t]*\n)([ \t]*(?:-{3,}|\*{3,}|={3,}|_{3,})[ \t]*)(?=\r?\n|$)/g;
const HEADING = /^#[ \t]+(\S.*)$/gm;

/**
 * Cuts a LongBench-style multi-document context into its documents. Recognises numbered headers
 * ("Passage 1:", "Document 2", "[Doc 3]"), `<document>` tags, horizontal-rule lines and top-level
 * markdown headings; with none of them, long contexts are cut by size at paragraph boundaries.
 */
export function splitIntoDocuments(context: string, options: SplitOptions = {}): SourceDocument[] {
  const { kind, markers } = findMarkers(context);
  if (kind === 'size' || kind === 'single') return splitBySize(context, options.maxDocumentChars ?? 40_000);
  const docs: SourceDocument[] = [];
  const lead = context.slice(0, markers[0]?.at ?? 0);
  const pieces: Marker[] = lead.trim() ? [{ at: skipSpace(context, 0) }, ...markers] : markers;
  pieces.forEach((m, i) => {
    const next = pieces[i + 1];
    const end = trimEnd(context, m.stop ?? (next ? next.at : context.length), m.at);
    const index = docs.length + 1;
    docs.push({
      index,
      label: `D${index}`,
      ...(m.title ? { title: m.title } : {}),
      text: context.slice(m.at, end),
      start: m.at,
      end,
    });
  });
  return docs;
}

/** Which separator {@link splitIntoDocuments} would use for `context`. */
export function detectDocumentSeparator(context: string): SeparatorKind {
  return findMarkers(context).kind;
}

function findMarkers(context: string): { kind: SeparatorKind; markers: Marker[] } {
  const numbered = numberedHeaders(context);
  if (numbered.length >= 2) return { kind: 'numbered-header', markers: numbered };
  const tags = [...context.matchAll(XML_OPEN)].map((m) => ({ at: m.index }));
  if (tags.length >= 2) return { kind: 'xml-tag', markers: tags };
  const rules = [...context.matchAll(RULE)].map((m) => ({
    at: m.index + (m[1] ?? '').length,
    len: (m[2] ?? '').length,
  }));
  if (rules.length >= 1) {
    const markers: Marker[] = [];
    let from = 0;
    for (const r of [...rules, { at: context.length, len: 0 }]) {
      const body = context.slice(from, r.at);
      const lead = body.length - body.trimStart().length;
      if (body.trim()) markers.push({ at: from + lead, stop: r.at });
      from = r.at + r.len;
    }
    if (markers.length >= 2) return { kind: 'rule-line', markers };
  }
  const headings = [...context.matchAll(HEADING)].map((m) => ({ at: m.index, title: (m[1] ?? '').trim() }));
  if (headings.length >= 2) return { kind: 'markdown-heading', markers: headings };
  return { kind: context.length > 0 ? 'size' : 'single', markers: [] };
}

interface Header {
  readonly style: string;
  readonly n: number;
  readonly at: number;
  readonly title: string;
  /** Preceded by a blank line (or first in the context): real headers usually are, mentions in prose usually are not. */
  readonly spaced: boolean;
}

/**
 * The longest run of headers of one style (same keyword, case and punctuation) numbered 0/1, 2, 3 …
 * in order, so "document 2" starting a line of prose does not cut a "Document N:" context.
 */
function numberedHeaders(context: string): Marker[] {
  const byStyle = new Map<string, Header[]>();
  for (const m of context.matchAll(NUMBERED)) {
    const from = Math.max(0, m.index - 256);
    const before = context.slice(from, m.index);
    const header: Header = {
      style: `${m[1] ?? ''}|${m[3] ?? ''}`,
      n: Number(m[2]),
      at: m.index,
      title: (m[4] ?? '').trim(),
      spaced: (from === 0 && before.trim() === '') || /\n[ \t]*\n[ \t]*$/.test(before),
    };
    const list = byStyle.get(header.style) ?? [];
    list.push(header);
    byStyle.set(header.style, list);
  }
  let best: Header[] = [];
  for (const list of byStyle.values()) {
    const run: Header[] = [];
    let k = list.some((h) => h.n === 0) ? 0 : 1;
    for (;;) {
      const after = run[run.length - 1]?.at ?? -1;
      const candidates = list.filter((h) => h.n === k && h.at > after);
      const pick = candidates.find((h) => h.spaced) ?? candidates[0];
      if (!pick) break;
      run.push(pick);
      k++;
    }
    if (run.length > best.length) best = run;
  }
  return best.map(({ at, title }) => ({ at, ...(title ? { title } : {}) }));
}

function trimEnd(text: string, end: number, floor: number): number {
  let e = end;
  while (e > floor && /\s/.test(text[e - 1] ?? '')) e--;
  return e;
}

function splitBySize(context: string, maxChars: number): SourceDocument[] {
  const docs: SourceDocument[] = [];
  let start = skipSpace(context, 0);
  while (start < context.length) {
    let end = Math.min(context.length, start + maxChars);
    if (end < context.length) {
      const para = context.lastIndexOf('\n\n', end);
      if (para > start + maxChars / 2) end = para;
    }
    const e = trimEnd(context, end, start);
    if (e > start) {
      const index = docs.length + 1;
      docs.push({ index, label: `D${index}`, text: context.slice(start, e), start, end: e });
    }
    start = skipSpace(context, end);
  }
  return docs;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
}
