/**
 * The folder workspace tools are confined to. A path is taken relative to the root; an absolute path,
 * a `..` segment, or a path whose real location (symlinks resolved) lies outside the root is refused.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidConfigError } from '../errors.js';
import { ToolError, WorkspaceEscapeError } from './errors.js';

/** A resolved workspace path: what the caller wrote, and where it really is. */
export interface WorkspacePath {
  /** Relative to the root, `/`-separated (`.` for the root). */
  readonly relative: string;
  /** Absolute, symlinks resolved. */
  readonly real: string;
}

/** A folder tools may read inside, and nothing outside. */
export class Workspace {
  private constructor(readonly root: string) {}

  /** Opens `dir` (which must be a folder) as a workspace. */
  static async open(dir: string): Promise<Workspace> {
    const root = await realpath(path.resolve(dir)).catch(() => undefined);
    if (!root || !(await stat(root)).isDirectory())
      throw new InvalidConfigError(`tools.workspace: ${dir} is not a folder`);
    return new Workspace(root);
  }

  /** Whether the real path `real` is the root or inside it. */
  contains(real: string): boolean {
    const rel = path.relative(this.root, real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }

  /** Resolves `given` for `tool`, refusing escapes (see the class comment); a missing path is TOOL_FAILED. */
  async resolve(given: string, tool: string): Promise<WorkspacePath> {
    const p = given.trim() === '' ? '.' : given.trim();
    if (p.includes('\0')) throw new WorkspaceEscapeError(tool, given, 'it contains a NUL byte');
    if (path.posix.isAbsolute(p) || path.win32.isAbsolute(p) || /^[A-Za-z]:/.test(p))
      throw new WorkspaceEscapeError(
        tool,
        given,
        'absolute paths are not allowed; give a path relative to the workspace',
      );
    if (p.split(/[\\/]+/).includes('..')) throw new WorkspaceEscapeError(tool, given, '".." is not allowed');
    const joined = path.resolve(this.root, p);
    const real = await realpath(joined).catch((err: NodeJS.ErrnoException) => {
      throw new ToolError('TOOL_FAILED', tool, `${tool}: no such file or folder: ${given}`, { cause: err });
    });
    if (!this.contains(real))
      throw new WorkspaceEscapeError(tool, given, 'it is a symlink to a place outside the workspace');
    const relative = path.relative(this.root, joined).split(path.sep).join('/') || '.';
    return { relative, real };
  }
}
