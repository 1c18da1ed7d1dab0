/**
 * Builds examples/licence-search from the multi-document QA sample: each licence text of
 * examples/multidoc/data.json becomes a file of docs/ (verbatim, named by its SPDX-style id), and
 * questions.json keeps each item's question, choices and answer with the files it is about — but no
 * text: the agents must find it with tools. Run from the repository root:
 * `npx tsx examples/licence-search/build.ts`. Fails if one licence differs between items.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitIntoDocuments } from '../../src/workloads/longbench/split.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FILES: Record<string, string> = {
  'Apache License, Version 2.0': 'Apache-2.0.txt',
  'The "Artistic License" (Perl, version 1)': 'Artistic.txt',
  'BSD licence (University of California, 3-clause)': 'BSD.txt',
  'Creative Commons CC0 1.0 Universal': 'CC0-1.0.txt',
  'GNU Free Documentation License, version 1.2': 'GFDL-1.2.txt',
  'GNU Free Documentation License, version 1.3': 'GFDL-1.3.txt',
  'GNU General Public License, version 1': 'GPL-1.txt',
  'GNU General Public License, version 2': 'GPL-2.txt',
  'GNU General Public License, version 3': 'GPL-3.txt',
  'GNU Library General Public License, version 2': 'LGPL-2.txt',
  'GNU Lesser General Public License, version 2.1': 'LGPL-2.1.txt',
  'GNU Lesser General Public License, version 3': 'LGPL-3.txt',
  'Mozilla Public License, version 1.1': 'MPL-1.1.txt',
  'Mozilla Public License, version 2.0': 'MPL-2.0.txt',
};

const items = JSON.parse(readFileSync(path.join(HERE, '../multidoc/data.json'), 'utf8')) as Array<
  Record<string, string>
>;
const texts = new Map<string, string>();
const questions = items.map((item) => {
  const files = splitIntoDocuments(item.context!).map((d) => {
    const file = FILES[d.title ?? ''];
    if (!file) throw new Error(`${item._id}: no file name for document "${d.title}"`);
    const text = `${d.text.slice(d.text.indexOf('\n') + 1).replace(/^\n+/, '')}\n`;
    const known = texts.get(file);
    if (known !== undefined && known !== text) throw new Error(`${item._id}: ${file} differs from an earlier item's`);
    texts.set(file, text);
    return { file, title: d.title };
  });
  const { context: _context, ...rest } = item;
  return { ...rest, files };
});
mkdirSync(path.join(HERE, 'docs'), { recursive: true });
for (const [file, text] of texts) writeFileSync(path.join(HERE, 'docs', file), text);
writeFileSync(path.join(HERE, 'questions.json'), `${JSON.stringify(questions, null, 2)}\n`);
console.log(`${questions.length} questions, ${texts.size} documents`);
