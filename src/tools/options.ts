/** The `tools` swarm option: which tools agents get, where they work, and the limits of a step. */
import { z } from 'zod';
import { BUILT_IN_TOOL_NAMES } from './builtins/index.js';
import { McpServersSchema } from './mcp/options.js';
import { RunCommandOptionsSchema } from './builtins/run-command.js';
import { DEFAULT_TOOL_LIMITS } from './toolbox.js';

/**
 * A tool: a built-in by name, or a module every worker imports whose export is a tool, an array of
 * tools, or a factory (called with `options`) returning either.
 */
export const ToolRefSchema = z.union([
  z.enum(BUILT_IN_TOOL_NAMES),
  z.object({ module: z.string().min(1), export: z.string().optional(), options: z.unknown().optional() }).strict(),
]);
/** See {@link ToolRefSchema}. */
export type ToolRef = z.infer<typeof ToolRefSchema>;

/** `tools` of the swarm options. */
export const ToolsOptionsSchema = z
  .object({
    /** Built-ins by name and tool modules (may be empty when `mcpServers` gives the tools). */
    use: z.array(ToolRefSchema).default([]),
    /** MCP servers whose tools agents get, as `server__tool`: `{ name, command, args?, env?, cwd? }` or `{ name, url }`. */
    mcpServers: McpServersSchema.optional(),
    /** What the `run_command` built-in may run (required when `use` names it): `{ allow, timeoutMs?, maxOutputBytes?, maxCopyBytes? }`. */
    runCommand: RunCommandOptionsSchema.optional(),
    /** Folder the built-in tools are confined to (required by them). */
    workspace: z.string().min(1).optional(),
    /** Most tool calls in one agent step; past it the model must answer. */
    maxToolCalls: z.number().int().min(1).max(100).default(DEFAULT_TOOL_LIMITS.maxToolCalls),
    /** Time limit of one call, ms. */
    timeoutMs: z.number().int().positive().max(600_000).default(DEFAULT_TOOL_LIMITS.timeoutMs),
    /** Most bytes of one call's output the model is shown. */
    maxOutputBytes: z.number().int().min(256).max(1_048_576).default(DEFAULT_TOOL_LIMITS.maxOutputBytes),
  })
  .strict()
  .refine((t) => t.use.length > 0 || (t.mcpServers?.length ?? 0) > 0, {
    message: 'tools needs at least one tool: name built-ins or modules in use, or give mcpServers',
    path: ['use'],
  })
  .refine((t) => !t.use.includes('run_command') || t.runCommand !== undefined, {
    message:
      'run_command is off unless tools.runCommand.allow lists the programs it may run (e.g. { allow: ["node"] })',
    path: ['runCommand'],
  });
/** Resolved `tools` option. */
export type ToolsOptions = z.output<typeof ToolsOptionsSchema>;
