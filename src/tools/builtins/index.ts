/** The built-in tools, opt-in by name. */
import type { AnyTool } from '../types.js';
import { grepTool } from './grep.js';
import { listFilesTool } from './list-files.js';
import { readFileTool } from './read-file.js';

/** Built-in tools by name: `list_files`, `read_file`, `grep` (all confined to the workspace). */
export const BUILT_IN_TOOLS = {
  list_files: listFilesTool,
  read_file: readFileTool,
  grep: grepTool,
} as const satisfies Record<string, AnyTool>;

/** Name of a built-in tool. */
export type BuiltInToolName = keyof typeof BUILT_IN_TOOLS;

/** The names of the built-in tools. */
export const BUILT_IN_TOOL_NAMES = Object.keys(BUILT_IN_TOOLS) as [BuiltInToolName, ...BuiltInToolName[]];
