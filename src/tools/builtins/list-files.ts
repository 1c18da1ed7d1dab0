/** Built-in tool `list_files`: the files under a workspace folder, recursively, capped. */
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { defineTool, type Tool } from '../types.js';
import type { Workspace } from '../workspace.js';

/** Most entries one call lists. */
export const LIST_FILES_CAP = 500;

/** The workspace a built-in tool runs in, or a TOOL_FAILED error saying none is configured. */
export function needWorkspace(workspace: Workspace | undefined, tool: string): Workspace {
  if (!workspace) throw new ToolError('TOOL_FAILED', tool, `${tool} needs a workspace folder (tools.workspace)`);
  return workspace;
}

/** `list_files`: relative paths and sizes of the files under `path` (default the root); symlinks out are skipped. */
export const listFilesTool: Tool<{ path?: string | undefined }> = defineTool({
  name: 'list_files',
  description: `Lists the files under a folder of the workspace (recursively, at most ${LIST_FILES_CAP}), one "path (bytes)" per line.`,
  input: z
    .object({ path: z.string().max(500).optional().describe('folder relative to the workspace; default the root') })
    .strict(),
  async execute(input, { workspace, signal }) {
    const ws = needWorkspace(workspace, 'list_files');
    const start = await ws.resolve(input.path ?? '.', 'list_files');
    const lines: string[] = [];
    let more = 0;
    const seen = new Set<string>(); // a symlink to a parent folder must not loop
    const walk = async (real: string, rel: string): Promise<void> => {
      if (seen.has(real)) return;
      seen.add(real);
      const entries = (await readdir(real, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        signal.throwIfAborted();
        const childReal = path.join(real, e.name);
        const childRel = rel === '.' ? e.name : `${rel}/${e.name}`;
        let target = childReal;
        if (e.isSymbolicLink()) {
          target = await realpath(childReal).catch(() => '');
          if (!target || !ws.contains(target)) continue;
        }
        const info = await lstat(target);
        if (info.isDirectory()) await walk(target, childRel);
        else if (info.isFile()) {
          if (lines.length < LIST_FILES_CAP) lines.push(`${childRel} (${info.size})`);
          else more++;
        }
      }
    };
    await walk(start.real, start.relative);
    if (more) lines.push(`(and ${more} more files)`);
    return lines.join('\n') || '(no files)';
  },
});
