import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { WorkloadFileError } from '../errors.js';
import { detectTestPlan, type TestPlan } from './runners/detect.js';

/** A validated debugging workspace: a JavaScript project with its own tests (node:test, mocha, jest, vitest, tape, or a TAP command). */
export interface Workspace {
  /** Absolute path of the workspace folder. */
  readonly dir: string;
  /** The `name` from its package.json, or the folder name. */
  readonly name: string;
  /** Test files, workspace-relative with `/` separators, sorted. */
  readonly testFiles: readonly string[];
  /** Other JavaScript/TypeScript source files, workspace-relative, sorted. */
  readonly sourceFiles: readonly string[];
  /** How its tests run. */
  readonly plan: TestPlan;
}

/** Options of {@link loadWorkspace}. */
export interface LoadWorkspaceOptions {
  /** A shell command printing TAP, instead of the detected runner. */
  readonly testCommand?: string | undefined;
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

const SOURCE_FILE = /\.(?:[cm]?js|[cm]?ts)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAX_FILES = 5_000;

/** Checks that `dir` is a usable workspace (package.json, a runner with at least one test file) and describes it. */
export async function loadWorkspace(dir: string, options: LoadWorkspaceOptions = {}): Promise<Workspace> {
  const abs = path.resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info) throw new WorkloadFileError(abs, 'workspace folder does not exist', {}, { code: 'NOT_FOUND' });
  if (!info.isDirectory()) throw new WorkloadFileError(abs, 'workspace must be a folder, not a file');

  const pkgPath = path.join(abs, 'package.json');
  const raw = await readFile(pkgPath, 'utf8').catch(() => undefined);
  if (raw === undefined)
    throw new WorkloadFileError(pkgPath, 'workspace has no package.json', {}, { code: 'NOT_FOUND' });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new WorkloadFileError(pkgPath, `is not valid JSON (${(err as Error).message})`, {}, { cause: err });
  }
  const pkg = packageJsonSchema.safeParse(json);
  if (!pkg.success) {
    const issue = pkg.error.issues[0];
    throw new WorkloadFileError(pkgPath, issue?.message ?? 'invalid package.json', {
      field: issue?.path.join('.') || '(root)',
    });
  }

  const files = await listFiles(abs);
  const plan = await detectTestPlan(abs, { testCommand: options.testCommand });
  if (plan.kind !== 'command' && plan.files.length === 0) {
    throw new WorkloadFileError(
      abs,
      `workspace has no test files: its runner (${plan.kind}) would run none; pass --test-command for another layout`,
    );
  }
  const tests = new Set(plan.files);
  const sourceFiles = files.filter((f) => SOURCE_FILE.test(f) && !tests.has(f));
  return { dir: abs, name: pkg.data.name ?? path.basename(abs), testFiles: plan.files, sourceFiles, plan };
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

/** Copies a workspace into a fresh temp folder; its installed node_modules is shared (linked), never copied. */
export async function copyWorkspace(dir: string): Promise<WorkspaceCopy> {
  const src = path.resolve(dir);
  const dest = await mkdtemp(path.join(tmpdir(), 'delm-ws-'));
  const modules = path.join(src, 'node_modules');
  try {
    await cp(src, dest, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (from) => path.basename(from) !== '.git' && from !== modules,
    });
    if (await stat(modules).catch(() => undefined)) await symlink(modules, path.join(dest, 'node_modules'), 'dir');
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

/**
 * Installs a workspace's dependencies once (`npm ci --ignore-scripts`, or `npm install` without a lock)
 * when it declares some and has no node_modules yet; every working copy then links to them.
 */
export async function installDependencies(
  dir: string,
  options: { timeoutMs?: number } = {},
): Promise<'installed' | 'present' | 'none'> {
  const abs = path.resolve(dir);
  const pkg = JSON.parse(await readFile(path.join(abs, 'package.json'), 'utf8')) as {
    dependencies?: object;
    devDependencies?: object;
  };
  if (!Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).length) return 'none';
  if (await stat(path.join(abs, 'node_modules')).catch(() => undefined)) return 'present';
  const lock = await stat(path.join(abs, 'package-lock.json')).catch(() => undefined);
  const args = [lock ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      args,
      { cwd: abs, timeout: options.timeoutMs ?? 300_000, maxBuffer: 16 << 20 },
      (err, _out, stderr) => {
        if (err)
          reject(
            new WorkloadFileError(
              abs,
              `could not install its dependencies (npm ${args[0]}): ${String(stderr).trim().split('\n').slice(-3).join(' ')}`,
              {},
              { cause: err },
            ),
          );
        else resolve();
      },
    );
  });
  return 'installed';
}
