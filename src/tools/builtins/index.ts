/** The built-in tools, opt-in by name. */
import type { AnyTool } from '../types.js';
import { grepTool } from './grep.js';
import { listFilesTool } from './list-files.js';
import { readFileTool } from './read-file.js';

/** Built-in tools by name: `list_files`, `read_file`, `grep` (all confined to the workspace); see also `run_command`. */
export const BUILT_IN_TOOLS = {
  list_files: listFilesTool,
  read_file: readFileTool,
  grep: grepTool,
} as const satisfies Record<string, AnyTool>;

/**
 * Name of a built-in tool: one of {@link BUILT_IN_TOOLS}, or `run_command`, which is built from
 * `tools.runCommand` (its allow-list) and offered only when named with one.
 */
export type BuiltInToolName = keyof typeof BUILT_IN_TOOLS | 'run_command';

/** The names of the built-in tools. */
export const BUILT_IN_TOOL_NAMES: [BuiltInToolName, ...BuiltInToolName[]] = [
  'run_command',
  ...(Object.keys(BUILT_IN_TOOLS) as Array<keyof typeof BUILT_IN_TOOLS>),
];
