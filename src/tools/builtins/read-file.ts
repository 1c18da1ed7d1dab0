/** Built-in tool `read_file`: a text file of the workspace, or a range of its lines, capped. */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { defineTool, type Tool } from '../types.js';
import { needWorkspace } from './list-files.js';

/** Largest file `read_file` opens, in bytes. */
export const READ_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** Most lines one call returns. */
export const READ_FILE_MAX_LINES = 400;

/** Input of `read_file`: a path and an optional 1-based inclusive line range. */
export interface ReadFileInput {
  path: string;
  startLine?: number | undefined;
  endLine?: number | undefined;
}

/**
 * `read_file`: the lines `startLine..endLine` (1-based, inclusive; at most {@link READ_FILE_MAX_LINES})
 * of a workspace file, verbatim, so what the model quotes from them can be checked.
 */
export const readFileTool: Tool<ReadFileInput> = defineTool({
  name: 'read_file',
  description: `Reads a text file of the workspace, verbatim: the whole file or lines startLine..endLine (1-based, inclusive), at most ${READ_FILE_MAX_LINES} lines a call. A header line says which lines were returned.`,
  input: z
    .object({
      path: z.string().min(1).max(500).describe('file path relative to the workspace'),
      startLine: z.number().int().min(1).optional().describe('first line, 1-based'),
      endLine: z.number().int().min(1).optional().describe('last line, inclusive'),
    })
    .strict(),
  async execute(input, { workspace }) {
    const ws = needWorkspace(workspace, 'read_file');
    const file = await ws.resolve(input.path, 'read_file');
    const info = await stat(file.real);
    if (!info.isFile()) throw new ToolError('TOOL_FAILED', 'read_file', `read_file: ${input.path} is not a file`);
    if (info.size > READ_FILE_MAX_BYTES)
      throw new ToolError(
        'TOOL_FAILED',
        'read_file',
        `read_file: ${input.path} is ${info.size} bytes; the cap is ${READ_FILE_MAX_BYTES}`,
      );
    const lines = (await readFile(file.real, 'utf8')).split(/\r?\n/);
    const first = Math.min(input.startLine ?? 1, lines.length);
    const wantedLast = input.endLine ?? lines.length;
    if (wantedLast < first)
      throw new ToolError('TOOL_FAILED', 'read_file', `read_file: endLine ${wantedLast} is before startLine ${first}`);
    const last = Math.min(wantedLast, lines.length, first + READ_FILE_MAX_LINES - 1);
    const header = `${file.relative} lines ${first}-${last} of ${lines.length}`;
    return `${header}\n${lines.slice(first - 1, last).join('\n')}`;
  },
});
