/**
 * `--mcp <server>` of `delm run` and `delm bench`: an MCP server whose tools the agents (and the
 * orchestrator's workers) get instead of the workload's built-in tools. A `.js`/`.mjs`/`.cjs` file is
 * started with this Node; an `http(s)://` URL is a Streamable HTTP server; anything else is a command
 * (words split on spaces, run without a shell). Repeat the flag for several servers.
 */
import path from 'node:path';
import { McpServerSchema, type McpServerConfig } from '../tools/mcp/options.js';
import type { Workload } from '../workloads/workload.js';
import { UsageError } from './command.js';

/** The server name `--mcp` gives a spec: its file's, command's or host's base name, `-server` dropped (else `mcp<n>`). */
function nameOf(spec: string, index: number): string {
  const base = path
    .basename(spec.replace(/\/+$/, ''))
    .replace(/\.[A-Za-z0-9]+$/, '')
    .replace(/[-_]?server$/i, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .slice(0, 24);
  return /^[A-Za-z]/.test(base) ? base : `mcp${index + 1}`;
}

/** The MCP servers the `--mcp` values name (see the module comment); `cwd` resolves relative files. */
export function mcpServersArg(values: readonly string[] | undefined, cwd: string): McpServerConfig[] | undefined {
  if (!values?.length) return undefined;
  const taken = new Set<string>();
  return values.map((raw, index) => {
    const spec = raw.trim();
    if (!spec) throw new UsageError('--mcp needs a server: a .js/.mjs file, a command, or an http(s):// URL');
    let server: unknown;
    if (/^https?:\/\//i.test(spec)) {
      let url: URL;
      try {
        url = new URL(spec);
      } catch {
        throw new UsageError(`--mcp ${spec}: not a valid URL`);
      }
      server = { name: nameOf(url.hostname.split('.')[0]!, index), url: spec };
    } else if (/\.(m|c)?js$/i.test(spec.split(/\s+/)[0]!)) {
      const [file, ...args] = spec.split(/\s+/);
      server = { name: nameOf(file!, index), command: process.execPath, args: [path.resolve(cwd, file!), ...args] };
    } else {
      const [command, ...args] = spec.split(/\s+/);
      server = { name: nameOf(command!, index), command: command!, args };
    }
    let { name } = server as { name: string };
    for (let n = 2; taken.has(name); n++) name = `${(server as { name: string }).name}-${n}`;
    taken.add(name);
    const parsed = McpServerSchema.safeParse({ ...(server as object), name });
    if (!parsed.success) throw new UsageError(`--mcp ${spec}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
  });
}

/**
 * Refuses `--tools` for a workload whose agents have no folder to use them on: a multidoc workload's
 * documents are in its prompts. Before, every call failed ("grep needs a workspace folder"), the
 * prompts grew with the failures, and answers got worse.
 */
export function checkToolsFor(workload: Workload, tools: unknown): void {
  if (tools !== undefined && workload.kind === 'multidoc')
    throw new UsageError(
      `--tools gives agents tools over a folder: a tool-search workload's (a folder with workload.json) or a debugging workspace; this multidoc workload has its documents in the prompt`,
    );
}

/**
 * `workload` with its tools given by `servers` instead of its built-ins (its workspace and limits
 * kept); the workload unchanged when no server is given. Only a workload that uses tools can take them.
 */
export function withMcpServers(workload: Workload, servers: readonly McpServerConfig[] | undefined): Workload {
  if (!servers?.length) return workload;
  if (!workload.tools)
    throw new UsageError(
      `--mcp gives agents tools for a tool-search workload (a folder with workload.json); this ${workload.kind} workload uses no tools`,
    );
  return { ...workload, tools: { ...workload.tools, use: [], mcpServers: [...servers] } };
}
