/**
 * The `mcpServers` option: MCP servers whose tools agents get — a command delm starts and talks to
 * over stdio, or the URL of a Streamable HTTP server. Validated with zod at the boundary.
 */
import { z } from 'zod';

/** A server name: a letter, then letters, digits, `_` or `-` (it prefixes the server's tool names). */
export const MCP_SERVER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

const name = z
  .string()
  .regex(MCP_SERVER_NAME, 'a server name is a letter, then up to 31 letters, digits, "_" or "-"')
  .refine((n) => !n.includes('__'), 'a server name may not contain "__" (it separates server and tool names)');

/** An MCP server delm starts as a child process and talks to over its stdin and stdout. */
export const McpStdioServerSchema = z
  .object({
    name,
    /** Executable, run without a shell. */
    command: z.string().min(1),
    args: z.array(z.string()).max(100).optional(),
    /** Added to the small default environment the SDK passes on (PATH, HOME, …; not your API keys). */
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
  })
  .strict();

/** An MCP server reached over Streamable HTTP at `url`. */
export const McpHttpServerSchema = z
  .object({
    name,
    url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL' }),
  })
  .strict();

/** One entry of `mcpServers`: `{ name, command, args?, env?, cwd? }` or `{ name, url }`. */
export const McpServerSchema = z.union([McpStdioServerSchema, McpHttpServerSchema], {
  error: 'an MCP server is { name, command, args?, env?, cwd? } (stdio) or { name, url } (Streamable HTTP)',
});
/** See {@link McpServerSchema}. */
export type McpServerConfig = z.infer<typeof McpServerSchema>;

/** `mcpServers`: at most 16, names unique. */
export const McpServersSchema = z
  .array(McpServerSchema)
  .max(16)
  .refine((list) => new Set(list.map((s) => s.name)).size === list.length, 'MCP server names must be unique');

/** Whether `server` is started as a child process (else it is reached over HTTP). */
export function isStdioServer(server: McpServerConfig): server is z.infer<typeof McpStdioServerSchema> {
  return 'command' in server;
}
