/**
 * An MCP server's tools as delm tools: offered under `server__tool` names with the server's own input
 * JSON Schema, each call forwarded to the server. What comes back is tool output like any other —
 * the toolbox records it verbatim with its hash, and it is evidence only as that record.
 */
import { z } from 'zod';
import type { AnyTool } from '../types.js';
import type { McpConnection, McpToolListing } from './connection.js';
import { mcpToolName } from './names.js';

/** Characters of a server's tool description offered to the model. */
const DESCRIPTION_CHARS = 1_000;

/** The input schema offered for a listed tool: the server's, always an object schema, without `$schema`. */
function inputSchemaOf(listing: McpToolListing): Record<string, unknown> {
  const { $schema: _drop, ...schema } = (listing.inputSchema ?? {}) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}

/** The delm tool for one listed MCP tool; `name` is what the model calls it. */
export function mcpTool(connection: McpConnection, listing: McpToolListing, name: string): AnyTool {
  const server = connection.server.name;
  const description = `[MCP server ${server}, tool ${listing.name}] ${listing.description ?? ''}`.trim();
  return {
    name,
    description: description.slice(0, DESCRIPTION_CHARS),
    // The server checks its input against its own schema; here it need only be an object.
    input: z.record(z.string(), z.unknown()),
    inputJsonSchema: inputSchemaOf(listing),
    execute: (input: Record<string, unknown>, { signal }) => connection.callTool(listing.name, input, signal, name),
  };
}

/** Every tool `connection`'s server lists, named so none collides with `taken` (which gains their names). */
export async function mcpTools(connection: McpConnection, taken: Set<string>): Promise<AnyTool[]> {
  const listings = await connection.listTools();
  return listings.map((listing) => {
    const name = mcpToolName(connection.server.name, listing.name, taken);
    taken.add(name);
    return mcpTool(connection, listing, name);
  });
}
