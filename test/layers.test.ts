/**
 * Layers only point down: reads every relative import in src/, actors/ and machines/ and fails on
 * any two folders that import each other. A folder is a top-level folder of src/ (each protocol
 * under src/protocols/ counts as its own), actors/ or machines/; files at the root of src/ are each
 * their own node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer a file belongs to (see the module comment). */
export function layerOf(file: string): string {
  const parts = path.relative(ROOT, file).split(path.sep);
  if (parts[0] !== 'src') return parts[0]!;
  if (parts.length === 2) return `src/${parts[1]!.replace(/\.(ts|js)$/, '')}`;
  if (parts[1] === 'protocols' && parts.length > 3) return `src/protocols/${parts[2]}`;
  return `src/${parts[1]}`;
}

/** Folder → folder → the imports that make the edge (`file => target`). */
export function folderGraph(files: readonly string[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (m[1] ?? m[2])!);
      const from = layerOf(file);
      const to = layerOf(target);
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${path.relative(ROOT, file)} => ${path.relative(ROOT, target)}`]);
    }
  }
  return graph;
}

/** Every pair of folders that import each other, with the imports on both sides. */
export function twoWayDependencies(graph: Map<string, Map<string, string[]>>): string[] {
  const out: string[] = [];
  for (const [a, edges] of graph) {
    for (const [b, imports] of edges) {
      const back = graph.get(b)?.get(a);
      if (back && a < b) out.push(`${a} <-> ${b}:\n    ${imports.join('\n    ')}\n    ${back.join('\n    ')}`);
    }
  }
  return out;
}

/** Groups of folders that reach one another through imports (Tarjan's strongly connected components, size > 1). */
export function importCycles(graph: Map<string, Map<string, string[]>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do group.push((w = stack.pop()!));
      while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('layers', () => {
  const files = ['src', 'actors', 'machines'].flatMap((d) => sourceFiles(path.join(ROOT, d)));

  it('has no two folders that import each other', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(twoWayDependencies(folderGraph(files))).toEqual([]);
  });

  it('has no longer cycle through several folders either', () => {
    expect(importCycles(folderGraph(files))).toEqual([]);
  });

  it('reports a two-way dependency when two folders import each other', () => {
    const graph = new Map([
      ['src/a', new Map([['src/b', ['src/a/x.ts => src/b/y.ts']]])],
      ['src/b', new Map([['src/a', ['src/b/y.ts => src/a/x.ts']]])],
      ['src/c', new Map([['src/a', ['src/c/z.ts => src/a/x.ts']]])],
    ]);
    expect(twoWayDependencies(graph)).toHaveLength(1);
    expect(importCycles(graph)).toEqual([['src/a', 'src/b']]);
    const ring = new Map([
      ['src/a', new Map([['src/b', ['a => b']]])],
      ['src/b', new Map([['src/c', ['b => c']]])],
      ['src/c', new Map([['src/a', ['c => a']]])],
    ]);
    expect(twoWayDependencies(ring)).toEqual([]);
    expect(importCycles(ring)).toEqual([['src/a', 'src/b', 'src/c']]);
  });

  it('keeps the machines free of any import from src/ or actors/', () => {
    const machines = folderGraph(files.filter((f) => layerOf(f) === 'machines')).get('machines');
    expect([...(machines?.keys() ?? [])]).toEqual([]);
  });

  it('reads the import of a real edge (the runtime imports the ledger)', () => {
    expect(folderGraph(files).get('src/runtime')?.has('src/ledger')).toBe(true);
  });
});
