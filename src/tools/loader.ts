/** Loads the tools a {@link ToolsOptions} names, inside any thread (module tools are imported there). */
import { importModule } from '../internal/import-module.js';
import { InvalidConfigError } from '../errors.js';
import { BUILT_IN_TOOLS } from './builtins/index.js';
import { runCommandTool } from './builtins/run-command.js';
import type { ToolRef, ToolsOptions } from './options.js';
import { Toolbox } from './toolbox.js';
import type { AnyTool } from './types.js';
import { Workspace } from './workspace.js';

function isTool(value: unknown): value is AnyTool {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<AnyTool>;
  return (
    typeof t.name === 'string' &&
    typeof t.description === 'string' &&
    typeof t.execute === 'function' &&
    typeof t.input?.safeParse === 'function'
  );
}

async function loadRef(ref: ToolRef, options: ToolsOptions): Promise<AnyTool[]> {
  if (ref === 'run_command') {
    if (!options.runCommand)
      throw new InvalidConfigError('run_command needs tools.runCommand.allow: the programs it may run');
    return [runCommandTool(options.runCommand)];
  }
  if (typeof ref === 'string') return [BUILT_IN_TOOLS[ref]];
  const name = ref.export ?? 'tools';
  let value = (await importModule(ref.module))[name];
  if (typeof value === 'function') value = await (value as (options: unknown) => unknown)(ref.options);
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0 || !list.every(isTool))
    throw new InvalidConfigError(
      `tool module ${ref.module}: export "${name}" is not a tool, an array of tools, or a factory returning them (a tool has name, description, input (zod) and execute)`,
    );
  return list;
}

/** What a run adds to the tools its options name (see `SwarmProtocol.runTools`). */
export interface RunTools {
  /** The folder the workspace tools work in when the options name none. */
  readonly workspace?: string | undefined;
  /** Tools of the run's own, offered beside the named ones. */
  readonly tools?: readonly AnyTool[] | undefined;
}

/**
 * The toolbox of agent `agentId`: every tool `options` names (and `run` adds, and every tool of its MCP
 * servers, whose clients start now if this thread has none yet), its workspace opened, its limits set.
 */
export async function loadToolbox(options: ToolsOptions, agentId: number, run: RunTools = {}): Promise<Toolbox> {
  const tools = [...(await Promise.all(options.use.map((ref) => loadRef(ref, options)))).flat(), ...(run.tools ?? [])];
  // MCP tools after the others, named around them; this thread's client of each server is shared.
  const taken = new Set(tools.map((t) => t.name));
  if (options.mcpServers?.length) {
    // Imported only when used: the MCP SDK is large, and most threads never need it.
    const [{ mcpConnection }, { mcpTools }] = await Promise.all([import('./mcp/clients.js'), import('./mcp/tools.js')]);
    for (const server of options.mcpServers) tools.push(...(await mcpTools(mcpConnection(server), taken)));
  }
  const folder = options.workspace ?? run.workspace;
  const workspace = folder ? await Workspace.open(folder) : undefined;
  const { maxToolCalls, timeoutMs, maxOutputBytes } = options;
  return new Toolbox(tools, workspace, { maxToolCalls, timeoutMs, maxOutputBytes }, `R${agentId}`);
}

/** A toolbox of plain tool objects, for a swarm-less caller on this thread (tests, the orchestrator). */
export async function createToolbox(
  tools: readonly AnyTool[],
  options: { workspace?: string; limits?: Partial<ToolsOptions>; labelPrefix?: string } = {},
): Promise<Toolbox> {
  const workspace = options.workspace ? await Workspace.open(options.workspace) : undefined;
  const { maxToolCalls = 8, timeoutMs = 10_000, maxOutputBytes = 16_384 } = options.limits ?? {};
  return new Toolbox(tools, workspace, { maxToolCalls, timeoutMs, maxOutputBytes }, options.labelPrefix ?? 'R0');
}
