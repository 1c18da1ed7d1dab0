/** Errors of tools and their workspace, each with a stable code. */
import { DelmError } from '../errors.js';

/** Codes a tool call can fail with. */
export type ToolErrorCode =
  'TOOL_NOT_FOUND' | 'TOOL_INPUT_INVALID' | 'TOOL_TIMEOUT' | 'TOOL_FAILED' | 'WORKSPACE_ESCAPE';

/** A tool call failed; `tool` names the tool. The model is shown the message and may try again. */
export class ToolError extends DelmError {
  constructor(
    code: ToolErrorCode,
    readonly tool: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A path given to a workspace tool leads outside the workspace: `..`, an absolute path, or a symlink out. */
export class WorkspaceEscapeError extends ToolError {
  constructor(
    tool: string,
    readonly path: string,
    why: string,
  ) {
    super('WORKSPACE_ESCAPE', tool, `${tool}: path ${JSON.stringify(path)} is refused: ${why}`);
  }
}
