import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkDocument,
  chunkDocuments,
  detectDocumentSeparator,
  parseLongBenchText,
  splitIntoDocuments,
  type SourceDocument,
} from '../../src/workloads/longbench.js';

const SAMPLE = new URL('../../examples/multidoc/data.json', import.meta.url).pathname;
const EVIDENCE = new URL('../../examples/multidoc/evidence.json', import.meta.url).pathname;
const items = parseLongBenchText(readFileSync(SAMPLE, 'utf8'), SAMPLE);
const evidence = JSON.parse(readFileSync(EVIDENCE, 'utf8')) as Record<
  string,
  { documents: { label: string; title: string }[]; evidence: { label: string; quote: string }[] }
>;
const norm = (s: string) => s.replace(/\s+/g, ' ');

describe('splitIntoDocuments', () => {
  it('cuts every sample context into exactly its documents, with their titles', () => {
    for (const item of items) {
      const docs = splitIntoDocuments(item.context);
      const expected = evidence[item._id]?.documents ?? [];
      expect(
        docs.map((d) => d.label),
        item._id,
      ).toEqual(expected.map((d) => d.label));
      expect(docs.map((d) => d.title)).toEqual(expected.map((d) => d.title));
      for (const d of docs) expect(item.context.slice(d.start, d.end)).toBe(d.text);
    }
  });

  it('puts every evidence quote inside the document the evidence file names, and the quotes span 2+ documents', () => {
    for (const item of items) {
      const docs = new Map(splitIntoDocuments(item.context).map((d) => [d.label, norm(d.text)]));
      const ev = evidence[item._id]?.evidence ?? [];
      for (const e of ev) expect(docs.get(e.label), `${item._id} ${e.quote}`).toContain(norm(e.quote));
      expect(new Set(ev.map((e) => e.label)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('recognises "Passage N:" headers and ignores "document 2" in running text', () => {
    const ctx =
      'Passage 1: Alpha\nAlpha text that mentions\ndocument 2 in passing.\n\nPassage 2: Beta\nBeta text.\nPassage 3:\nGamma.';
    const docs = splitIntoDocuments(ctx);
    expect(detectDocumentSeparator(ctx)).toBe('numbered-header');
    expect(docs.map((d) => d.title ?? null)).toEqual(['Alpha', 'Beta', null]);
    expect(docs[0]?.text).toContain('document 2 in passing.');
    expect(docs[2]?.text).toBe('Passage 3:\nGamma.');
  });

  it('recognises bracketed and markdown numbered headers, <document> tags, rule lines and top-level headings', () => {
    expect(splitIntoDocuments('[Document 1] a\n[Document 2] b').map((d) => d.title)).toEqual(['a', 'b']);
    expect(splitIntoDocuments('### Doc 1\nx\n### Doc 2\ny')).toHaveLength(2);
    const tagged = '<document>\none\n</document>\n<document>\ntwo\n</document>';
    expect(detectDocumentSeparator(tagged)).toBe('xml-tag');
    expect(splitIntoDocuments(tagged)).toHaveLength(2);
    const ruled = 'first doc\n\n---\nsecond doc\n\n***\n\nthird doc\n';
    expect(detectDocumentSeparator(ruled)).toBe('rule-line');
    expect(splitIntoDocuments(ruled).map((d) => d.text)).toEqual(['first doc', 'second doc', 'third doc']);
    expect(splitIntoDocuments('# One\ntext\n# Two\nmore').map((d) => d.title)).toEqual(['One', 'Two']);
  });

  it('does not treat a heading underline or a prose mention as a separator', () => {
    const mpl = '1. Definitions\n--------------\n\ntext\n\n2. Grants\n---------\n\nmore';
    expect(detectDocumentSeparator(mpl)).toBe('size');
    const ctx = 'Document 1: A\nsee\nDocument 2: below for details.\n\nDocument 2: B\nb\n\nDocument 3: C\nc';
    expect(splitIntoDocuments(ctx).map((d) => d.title)).toEqual(['A', 'B', 'C']);
  });

  it('keeps a preamble before the first header as its own document', () => {
    const docs = splitIntoDocuments('Intro line.\n\nPassage 1: A\na\nPassage 2: B\nb');
    expect(docs.map((d) => d.text.split('\n')[0])).toEqual(['Intro line.', 'Passage 1: A', 'Passage 2: B']);
  });

  it('falls back to size-based pieces at paragraph breaks when no separator is found', () => {
    const para = 'word '.repeat(200).trim();
    const ctx = Array.from({ length: 10 }, () => para).join('\n\n');
    expect(detectDocumentSeparator(ctx)).toBe('size');
    const docs = splitIntoDocuments(ctx, { maxDocumentChars: 3_000 });
    expect(docs.length).toBeGreaterThanOrEqual(4);
    for (const d of docs) {
      expect(d.text.length).toBeLessThanOrEqual(3_000);
      expect(d.text.startsWith('word')).toBe(true);
      expect(d.text.endsWith('word')).toBe(true);
    }
    expect(splitIntoDocuments('short text')).toHaveLength(1);
    expect(splitIntoDocuments('')).toEqual([]);
  });
});

describe('chunkDocument', () => {
  const doc = (text: string, start = 0): SourceDocument => ({
    index: 2,
    label: 'D2',
    text,
    start,
    end: start + text.length,
  });

  it('labels chunks D<doc>.c<n>, keeps offsets into the original context, and stays under maxTokens', () => {
    const item = items.find((i) => i._id === 'delm-lic-03');
    if (!item) throw new Error('sample item missing');
    const chunks = chunkDocuments(splitIntoDocuments(item.context), { maxTokens: 800 });
    expect(chunks[0]?.label).toBe('D1.c1');
    expect(new Set(chunks.map((c) => c.label)).size).toBe(chunks.length);
    for (const c of chunks) {
      expect(item.context.slice(c.start, c.end)).toBe(c.text);
      expect(c.tokens).toBeLessThanOrEqual(800);
    }
    expect(chunkDocuments(splitIntoDocuments(item.context), { maxTokens: 800 })).toEqual(chunks);
  });

  it('breaks at paragraph boundaries when paragraphs fit', () => {
    const text = ['aaaa '.repeat(30), 'bbbb '.repeat(30), 'cccc '.repeat(30)].map((s) => s.trim()).join('\n\n');
    const chunks = chunkDocument(doc(text), { maxTokens: 50 });
    expect(chunks.map((c) => c.text[0])).toEqual(['a', 'b', 'c']);
  });

  it('splits an oversized paragraph at sentences, and an oversized sentence by size', () => {
    const sentences = 'One short sentence here. Another one follows it! And a third? ';
    const chunks = chunkDocument(doc(sentences.repeat(4).trim()), { maxTokens: 10 });
    expect(chunks.every((c) => c.tokens <= 10)).toBe(true);
    expect(chunks[0]?.text).toBe('One short sentence here.');
    const blob = 'x'.repeat(1_000);
    const pieces = chunkDocument(doc(blob, 50), { maxTokens: 30 });
    expect(pieces.map((c) => c.text).join('')).toBe(blob);
    expect(pieces[0]?.start).toBe(50);
  });

  it('repeats the tail of a chunk at the head of the next when overlap is set', () => {
    const text = Array.from({ length: 12 }, (_, i) => `Sentence number ${i}.`).join('\n\n');
    const chunks = chunkDocument(doc(text), { maxTokens: 20, overlap: 6 });
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1];
      const cur = chunks[i];
      if (!prev || !cur) continue;
      expect(cur.start).toBeLessThan(prev.end);
      expect(cur.start).toBeGreaterThan(prev.start);
    }
  });

  it('covers every non-space character of any document and each chunk is the exact slice (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('alpha', 'beta.', 'gamma!', '\n\n', ' ', '\n', 'x'.repeat(90), 'Delta? '), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 20 }),
        (parts, maxTokens, overlap) => {
          const text = parts.join('');
          const chunks = chunkDocument(doc(text, 7), { maxTokens, overlap });
          const covered = new Array<boolean>(text.length).fill(false);
          for (const c of chunks) {
            expect(text.slice(c.start - 7, c.end - 7)).toBe(c.text);
            expect(c.tokens).toBeLessThanOrEqual(maxTokens);
            for (let i = c.start - 7; i < c.end - 7; i++) covered[i] = true;
          }
          for (let i = 0; i < text.length; i++) if (!/\s/.test(text[i] ?? '')) expect(covered[i]).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
