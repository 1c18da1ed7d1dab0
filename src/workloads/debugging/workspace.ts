import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { WorkloadFileError } from '../errors.js';

/** A validated debugging workspace: a JavaScript project with its own `node --test` tests. */
export interface Workspace {
  /** Absolute path of the workspace folder. */
  readonly dir: string;
  /** The `name` from its package.json, or the folder name. */
  readonly name: string;
  /** Test files, workspace-relative with `/` separators, sorted. */
  readonly testFiles: readonly string[];
  /** Other JavaScript/TypeScript source files, workspace-relative, sorted. */
  readonly sourceFiles: readonly string[];
}

/** An isolated, disposable copy of a workspace under the OS temp folder. */
export interface WorkspaceCopy {
  readonly dir: string;
  /** Deletes the copy; safe to call twice. */
  remove(): Promise<void>;
}

const packageJsonSchema = z.looseObject({
  name: z.string().optional(),
  type: z.enum(['module', 'commonjs']).optional(),
  scripts: z.record(z.string(), z.string()).optional(),
});

const TEST_FILE = /\.test\.[cm]?js$/;
const SOURCE_FILE = /\.(?:[cm]?js|[cm]?ts)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAX_FILES = 5_000;

/** Checks that `dir` is a usable workspace (package.json, at least one `*.test.js`) and describes it. */
export async function loadWorkspace(dir: string): Promise<Workspace> {
  const abs = path.resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info) throw new WorkloadFileError(abs, 'workspace folder does not exist', {}, { code: 'NOT_FOUND' });
  if (!info.isDirectory()) throw new WorkloadFileError(abs, 'workspace must be a folder, not a file');

  const pkgPath = path.join(abs, 'package.json');
  const raw = await readFile(pkgPath, 'utf8').catch(() => undefined);
  if (raw === undefined) throw new WorkloadFileError(pkgPath, 'workspace has no package.json', {}, { code: 'NOT_FOUND' });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new WorkloadFileError(pkgPath, `is not valid JSON (${(err as Error).message})`, {}, { cause: err });
  }
  const pkg = packageJsonSchema.safeParse(json);
  if (!pkg.success) {
    const issue = pkg.error.issues[0];
    throw new WorkloadFileError(pkgPath, issue?.message ?? 'invalid package.json', { field: issue?.path.join('.') || '(root)' });
  }

  const files = await listFiles(abs);
  const testFiles = files.filter((f) => TEST_FILE.test(f));
  if (testFiles.length === 0) {
    throw new WorkloadFileError(abs, 'workspace has no test files (expected files named *.test.js)');
  }
  const sourceFiles = files.filter((f) => SOURCE_FILE.test(f) && !TEST_FILE.test(f));
  return { dir: abs, name: pkg.data.name ?? path.basename(abs), testFiles, sourceFiles };
}

/** Workspace-relative paths (with `/`) of every file under `dir`, skipping node_modules and .git. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      if (out.length >= MAX_FILES) return;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(child);
      } else if (entry.isFile()) {
        out.push(child);
      }
    }
  };
  await walk('');
  return out.sort();
}

/** Copies a workspace into a fresh temp folder (without node_modules' symlinks being followed). */
export async function copyWorkspace(dir: string): Promise<WorkspaceCopy> {
  const src = path.resolve(dir);
  const dest = await mkdtemp(path.join(tmpdir(), 'delm-ws-'));
  try {
    await cp(src, dest, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (from) => path.basename(from) !== '.git',
    });
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    throw new WorkloadFileError(src, `could not copy the workspace (${(err as Error).message})`, {}, { cause: err });
  }
  let removed = false;
  return {
    dir: dest,
    async remove() {
      if (removed) return;
      removed = true;
      await rm(dest, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` on a fresh copy of the workspace and removes the copy afterwards, whatever happens. */
export async function withWorkspaceCopy<T>(dir: string, fn: (copyDir: string) => Promise<T>): Promise<T> {
  const copy = await copyWorkspace(dir);
  try {
    return await fn(copy.dir);
  } finally {
    await copy.remove();
  }
}
