import { createHash } from 'node:crypto';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PatchError } from '../errors.js';

/** One exact search/replace edit of one workspace file. */
export const patchEditSchema = z.strictObject({
  /** Workspace-relative path; absolute paths and `..` segments are refused. */
  file: z.string().min(1),
  /** Text that must occur exactly once in the file (after earlier edits of the same patch). */
  search: z.string().min(1),
  replace: z.string(),
});

/** A patch: one or more edits, applied in order, all or nothing. */
export const patchSchema = z.array(patchEditSchema).min(1).max(50);

/** One exact search/replace edit. */
export type PatchEdit = z.infer<typeof patchEditSchema>;
/** A list of edits applied all or nothing. */
export type Patch = z.infer<typeof patchSchema>;

/** Parses an untrusted value (e.g. model output) as a {@link Patch}, or throws a {@link PatchError}. */
export function parsePatch(value: unknown): Patch {
  const parsed = patchSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new PatchError(
      'invalid',
      '',
      `invalid patch${where}: ${issue?.message ?? 'does not match the patch format'}`,
    );
  }
  return parsed.data;
}

/**
 * A short key that is the same for two patches exactly when they make the same edits, in the same order
 * (file, search and replace texts alike; a leading `./` and backslashes in the path do not count): how
 * a patch proposed again after it was rejected is recognised. 16 hex digits of a SHA-256.
 */
export function patchKey(
  patch: ReadonlyArray<{ readonly file: string; readonly search: string; readonly replace: string }>,
): string {
  const edits = patch.map((e) => [e.file.replace(/\\/g, '/').replace(/^(\.\/)+/, ''), e.search, e.replace]);
  return createHash('sha256').update(JSON.stringify(edits)).digest('hex').slice(0, 16);
}

/**
 * Resolves a workspace-relative path, refusing anything that could reach outside the workspace:
 * absolute paths, `..` segments, and (checked in {@link applyPatch}) symlinks leading out.
 */
export function resolveInside(root: string, file: string): string {
  const normalized = file.replace(/\\/g, '/');
  if (path.isAbsolute(file) || path.posix.isAbsolute(normalized) || /^[a-zA-Z]:/.test(normalized)) {
    throw new PatchError(
      'outside-workspace',
      file,
      `patch path ${JSON.stringify(file)} is absolute; use a path relative to the workspace`,
    );
  }
  if (normalized.split('/').some((seg) => seg === '..')) {
    throw new PatchError(
      'outside-workspace',
      file,
      `patch path ${JSON.stringify(file)} contains ".." and could leave the workspace`,
    );
  }
  const abs = path.resolve(root, normalized);
  const rel = path.relative(root, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new PatchError('outside-workspace', file, `patch path ${JSON.stringify(file)} is outside the workspace`);
  }
  return abs;
}

function countOccurrences(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + 1)) count++;
  return count;
}

/** One file a patch edits: its workspace path, real absolute path, and text before and after. */
export interface PatchedFile {
  readonly file: string;
  readonly abs: string;
  readonly before: string;
  readonly after: string;
}

/**
 * What `patch` would make of the files it edits in the workspace at `dir`, without writing
 * anything: every edit must match exactly once, or it throws a {@link PatchError}.
 */
export async function patchFiles(dir: string, patch: Patch): Promise<PatchedFile[]> {
  const edits = parsePatch(patch);
  const root = await realpath(path.resolve(dir));
  const contents = new Map<string, { file: string; abs: string; before: string; text: string }>();

  for (const edit of edits) {
    const abs = resolveInside(root, edit.file);
    let entry = contents.get(abs);
    if (!entry) {
      const real = await realpath(abs).catch(() => undefined);
      if (real === undefined)
        throw new PatchError(
          'missing-file',
          edit.file,
          `patch edits ${JSON.stringify(edit.file)}, which does not exist in the workspace`,
        );
      const relReal = path.relative(root, real);
      if (relReal.startsWith('..') || path.isAbsolute(relReal)) {
        throw new PatchError(
          'outside-workspace',
          edit.file,
          `patch path ${JSON.stringify(edit.file)} is a link leading outside the workspace`,
        );
      }
      const text = await readFile(real, 'utf8');
      entry = { file: edit.file.replace(/\\/g, '/'), abs: real, before: text, text };
      contents.set(abs, entry);
    }
    const n = countOccurrences(entry.text, edit.search);
    if (n === 0)
      throw new PatchError('no-match', edit.file, `search text not found in ${edit.file}: ${preview(edit.search)}`);
    if (n > 1)
      throw new PatchError(
        'ambiguous-match',
        edit.file,
        `search text occurs ${n} times in ${edit.file} (must be exactly once): ${preview(edit.search)}`,
      );
    const at = entry.text.indexOf(edit.search);
    entry.text = entry.text.slice(0, at) + edit.replace + entry.text.slice(at + edit.search.length);
  }

  return [...contents.values()].map(({ file, abs, before, text }) => ({ file, abs, before, after: text }));
}

/** Applies `patch` to the workspace at `dir`: every edit must match exactly once, or nothing is written. */
export async function applyPatch(dir: string, patch: Patch): Promise<{ files: string[] }> {
  const files = await patchFiles(dir, patch);
  for (const { abs, after } of files) await writeFile(abs, after, 'utf8');
  return { files: [...new Set(parsePatch(patch).map((e) => e.file.replace(/\\/g, '/')))] };
}

function preview(text: string): string {
  const one = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(one);
}
