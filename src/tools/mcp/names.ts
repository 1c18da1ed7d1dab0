/**
 * The names MCP tools are offered under. The issue asks for `server.tool`, but neither provider
 * accepts a dot: OpenAI function names and Anthropic tool names must match `^[a-zA-Z0-9_-]{1,64}$`
 * (Anthropic's limit is 128 now, OpenAI's 64). So a tool is offered as `server__tool`: every other
 * character becomes `_`, and a name too long — or taken by another tool — is cut and given a hash suffix.
 */
import { createHash } from 'node:crypto';

/** Longest tool name every provider accepts. */
export const MAX_TOOL_NAME = 64;
/** Between the server's and the tool's name. */
export const SERVER_SEPARATOR = '__';

/** `server__tool`, made acceptable to the providers (see the module comment); never one of `taken`. */
export function mcpToolName(server: string, tool: string, taken: ReadonlySet<string>): string {
  const safe = `${server}${SERVER_SEPARATOR}${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (safe.length <= MAX_TOOL_NAME && !taken.has(safe)) return safe;
  for (let salt = 0; ; salt++) {
    const hash = createHash('sha256').update(`${server}\0${tool}\0${salt}`).digest('hex').slice(0, 8);
    const name = `${safe.slice(0, MAX_TOOL_NAME - 9)}_${hash}`;
    if (!taken.has(name)) return name;
  }
}
