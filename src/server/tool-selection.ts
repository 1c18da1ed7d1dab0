/**
 * The tools a `POST /v1/runs` request selects: names only — a built-in tool, or an MCP server of the
 * server's own configuration (`swarm.tools.mcpServers`). A request can narrow what the server was
 * configured with, never widen it: it cannot name a command, a URL, a workspace or a module, so no
 * request body ever starts a process or reaches a place the operator did not configure.
 */
import { z } from 'zod';
import { BUILT_IN_TOOL_NAMES } from '../tools/builtins/index.js';
import { ToolsOptionsSchema, type ToolsOptions } from '../tools/options.js';
import { HttpError } from './errors.js';

/** `tools` of a run request: built-in tool names and configured MCP server names ([] = no tools). */
export const ToolSelectionSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z][\w-]*$/, 'a built-in tool name or the name of one of the server’s MCP servers'),
  )
  .max(32);

const bad = (index: number, message: string) =>
  new HttpError(400, 'INVALID_ARGUMENT', message, { param: `tools.${index}` });

/**
 * The tools option of a run selecting `names` from the server's `configured` tools: undefined (the
 * server's own) when `names` is absent, null (none) when it is empty. A built-in needs the server's
 * workspace (and `run_command` its allow-list); an MCP server must be one the server configured.
 */
export function selectTools(
  names: readonly string[] | undefined,
  configured: ToolsOptions | undefined,
): ToolsOptions | null | undefined {
  if (names === undefined) return undefined;
  if (names.length === 0) return null;
  const servers = configured?.mcpServers ?? [];
  const builtIns = new Set<string>(BUILT_IN_TOOL_NAMES);
  const use: ToolsOptions['use'] = [];
  const mcpServers: NonNullable<ToolsOptions['mcpServers']> = [];
  names.forEach((name, i) => {
    const server = servers.find((s) => s.name === name);
    if (server) {
      if (!mcpServers.includes(server)) mcpServers.push(server);
    } else if (builtIns.has(name)) {
      if (!configured?.workspace)
        throw bad(i, `tools: ${name} needs a workspace, and this server has none configured (swarm.tools.workspace)`);
      if (name === 'run_command' && !configured.runCommand)
        throw bad(i, 'tools: run_command is off on this server (no swarm.tools.runCommand allow-list configured)');
      if (!use.includes(name as ToolsOptions['use'][number])) use.push(name as ToolsOptions['use'][number]);
    } else
      throw bad(
        i,
        `tools: unknown tool "${name}": name built-in tools (${BUILT_IN_TOOL_NAMES.join(', ')}) or MCP servers this server configured (${servers.map((s) => s.name).join(', ') || 'none'}); MCP servers cannot be given in a request`,
      );
  });
  return ToolsOptionsSchema.parse({
    ...(configured ?? {}),
    use,
    mcpServers,
  });
}
