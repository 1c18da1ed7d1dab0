/**
 * One MCP client of one server on this thread, through the official SDK: connected on first use
 * (the server started, for a stdio server), its tools listed once per connection, calls made with
 * the caller's signal. When the server crashes or disconnects the connection is dropped, a call in
 * flight fails as a retryable `TOOL_INTERRUPTED`, and the next use starts the server again.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool as McpToolInfo } from '@modelcontextprotocol/sdk/types.js';
import { McpServerError, ToolError } from '../errors.js';
import type { JsonValue } from '../types.js';
import { isStdioServer, type McpServerConfig } from './options.js';

/** A tool as the server lists it: its own name, description and input JSON Schema. */
export type McpToolListing = Pick<McpToolInfo, 'name' | 'description' | 'inputSchema'>;

/** Time to start a server and finish the MCP handshake, ms. */
export const MCP_CONNECT_TIMEOUT_MS = 20_000;
/** Most tools taken from one server. */
export const MCP_MAX_TOOLS = 128;
/** Characters of a server's stderr kept to explain a failure. */
const STDERR_CHARS = 2_000;
/** A request's own SDK time limit; the toolbox's per-call timeout (its signal) ends calls sooner. */
const REQUEST_TIMEOUT_MS = 600_000;

interface Live {
  readonly client: Client;
  readonly transport: Transport;
  /** Set when the transport closed (the server exited or the HTTP session ended). */
  closed: boolean;
  tools?: Promise<McpToolListing[]> | undefined;
}

/** A lazily connected, self-restarting client of one MCP server (see the module comment). */
export class McpConnection {
  /** The connection in use, once open. */
  private current: Live | undefined;
  /** A connection being opened. */
  private opening: Promise<Live> | undefined;
  private stderr = '';
  /** Connections made so far (1 after the first start; each restart adds one). */
  starts = 0;

  constructor(readonly server: McpServerConfig) {}

  /** Whether a connection is open and has not seen its transport close. */
  get connected(): boolean {
    return this.current !== undefined && !this.current.closed;
  }

  /** The pid of the running server process (stdio servers only), for tests and diagnostics. */
  async pid(): Promise<number | undefined> {
    const live = await this.connect();
    return live.transport instanceof StdioClientTransport ? (live.transport.pid ?? undefined) : undefined;
  }

  /** The server's tools (every page), listed once per connection. */
  async listTools(signal?: AbortSignal): Promise<McpToolListing[]> {
    const live = await this.connect();
    live.tools ??= (async () => {
      const out: McpToolListing[] = [];
      let cursor: string | undefined;
      do {
        const page = await live.client.listTools(cursor ? { cursor } : undefined, signal ? { signal } : {});
        out.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor && out.length < MCP_MAX_TOOLS);
      return out.slice(0, MCP_MAX_TOOLS);
    })().catch((err: unknown) => {
      live.tools = undefined;
      throw this.failure(live, 'listing its tools failed', err);
    });
    return live.tools;
  }

  /** Calls the server's tool `name`; its text content is the result (JSON for structured-only results). */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    shownAs: string = name,
  ): Promise<string | JsonValue> {
    const live = await this.connect();
    let result: CallToolResult;
    try {
      result = (await live.client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout: REQUEST_TIMEOUT_MS,
      })) as CallToolResult;
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      if (live.closed || isDisconnect(err)) {
        this.drop(live);
        throw new ToolError(
          'TOOL_INTERRUPTED',
          shownAs,
          `${shownAs}: MCP server ${this.server.name} went away during the call (${message(err)}); it is restarted on the next call, which may succeed`,
          { cause: err, retryable: true },
        );
      }
      throw new ToolError('TOOL_FAILED', shownAs, `${shownAs} failed: ${message(err)}`, { cause: err });
    }
    const text = resultText(result);
    if (result.isError)
      throw new ToolError(
        'TOOL_FAILED',
        shownAs,
        `${shownAs} failed: ${typeof text === 'string' ? text : JSON.stringify(text)}`,
      );
    return text;
  }

  /** Closes the client (and ends a stdio server's process); the next use connects again. */
  async close(): Promise<void> {
    const live = this.current ?? (await this.opening?.catch(() => undefined));
    this.current = undefined;
    if (live) {
      live.closed = true;
      await live.client.close().catch(() => undefined);
    }
  }

  private connect(): Promise<Live> {
    if (this.current && !this.current.closed) return Promise.resolve(this.current);
    this.opening ??= this.open().then(
      (live) => {
        this.opening = undefined;
        this.current = live;
        return live;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  private async open(): Promise<Live> {
    const client = new Client({ name: 'delm', version: '0.1.0' });
    const transport = this.transport();
    const live: Live = { client, transport, closed: false };
    client.onclose = () => {
      live.closed = true;
      this.drop(live);
    };
    this.starts++;
    try {
      await client.connect(transport, { timeout: MCP_CONNECT_TIMEOUT_MS });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw this.failure(live, isStdioServer(this.server) ? 'could not start it' : 'could not connect', err);
    }
    return live;
  }

  private transport(): Transport {
    const s = this.server;
    if (!isStdioServer(s)) return new StreamableHTTPClientTransport(new URL(s.url));
    const transport = new StdioClientTransport({
      command: s.command,
      ...(s.args ? { args: s.args } : {}),
      ...(s.env ? { env: s.env } : {}),
      ...(s.cwd ? { cwd: s.cwd } : {}),
      stderr: 'pipe',
    });
    // Kept (the tail only) to explain a failure; read so a chatty server never blocks on a full pipe.
    this.stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_CHARS);
    });
    return transport;
  }

  /** Forgets `live` if it is the current connection, so the next use starts the server again. */
  private drop(live: Live): void {
    live.closed = true;
    if (this.current === live) this.current = undefined;
    void live.client.close().catch(() => undefined);
  }

  private failure(live: Live, what: string, err: unknown): McpServerError {
    this.drop(live);
    const tail = this.stderr.trim();
    return new McpServerError(
      this.server.name,
      `${what}: ${message(err)}${tail ? `\n  its stderr ends with: ${tail.slice(-500)}` : ''}`,
      { cause: err },
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The connection closed under a request (MCP -32000), or an HTTP server could not be reached. */
function isDisconnect(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === -32000) return true;
  const text = message(err);
  return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|Not connected|session not found|HTTP 404/i.test(text);
}

/** A tool result as text: its text parts joined; other parts (images, resources) as JSON; else the structured content. */
export function resultText(result: CallToolResult): string | JsonValue {
  const parts = result.content ?? [];
  if (parts.length === 0 && result.structuredContent !== undefined) return result.structuredContent as JsonValue;
  return parts
    .map((p) =>
      p.type === 'text'
        ? p.text
        : JSON.stringify(p.type === 'image' || p.type === 'audio' ? { type: p.type, mimeType: p.mimeType } : p),
    )
    .join('\n');
}
