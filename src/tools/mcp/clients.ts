/**
 * The MCP clients of this thread: one per server configuration, shared by every toolbox the thread
 * loads (each agent thread, and the main thread for the orchestrator's workers), connected on first
 * use and kept across runs. `closeMcpClients()` closes them; a later use connects again. A worker
 * thread's clients need no call: when the swarm ends the thread, the server's stdin closes and an MCP
 * stdio server exits on end of input.
 */
import { McpConnection } from './connection.js';
import type { McpServerConfig } from './options.js';

const connections = new Map<string, McpConnection>();

/** This thread's client of `server` (the same object for the same configuration). */
export function mcpConnection(server: McpServerConfig): McpConnection {
  const key = JSON.stringify(server);
  let connection = connections.get(key);
  if (!connection) {
    connection = new McpConnection(server);
    connections.set(key, connection);
  }
  return connection;
}

/** Closes every MCP client of this thread (stdio servers' processes end). */
export async function closeMcpClients(): Promise<void> {
  const all = [...connections.values()];
  connections.clear();
  await Promise.all(all.map((c) => c.close()));
}
