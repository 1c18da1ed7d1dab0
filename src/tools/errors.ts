/** Errors of tools and their workspace, each with a stable code. */
import { DelmError } from '../errors.js';

/** Codes a tool call can fail with. */
export type ToolErrorCode =
  | 'TOOL_NOT_FOUND'
  | 'TOOL_INPUT_INVALID'
  | 'TOOL_TIMEOUT'
  | 'TOOL_FAILED'
  | 'WORKSPACE_ESCAPE'
  | 'TOOL_INTERRUPTED'
  | 'TOOL_NOT_ALLOWED'
  | 'MCP_SERVER_FAILED';

/**
 * A tool call failed; `tool` names the tool. The model is shown the message and may try again;
 * `retryable` says the same call may succeed if made again (its server was restarted meanwhile).
 */
export class ToolError extends DelmError {
  readonly retryable: boolean;
  constructor(
    code: ToolErrorCode,
    readonly tool: string,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, message, options);
    this.retryable = options?.retryable ?? false;
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

/** An MCP server could not be started, connected to, or listed; `server` names it. */
export class McpServerError extends ToolError {
  constructor(
    readonly server: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('MCP_SERVER_FAILED', server, `MCP server ${server}: ${message}`, options);
  }
}
