/**
 * A scriptable HTTP server on 127.0.0.1 for provider tests: the real SDKs talk to it over the wire.
 * Each request takes the next scripted reply; every request is recorded.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach } from 'vitest';

/** One scripted reply. `hang` never answers (for timeouts); `raw` sends the body as is. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  delayMs?: number;
  hang?: boolean;
}

/** A recorded request. */
export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A running wire server. */
export interface WireServer {
  url: string;
  requests: Recorded[];
  script(...replies: Array<Reply | ((req: Recorded) => Reply)>): void;
  /** Answers every request the script has no reply left for (instead of a 500). */
  otherwise(answer: (req: Recorded) => Promise<Reply>): void;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral localhost port. */
export async function startWireServer(): Promise<WireServer> {
  const queue: Array<Reply | ((req: Recorded) => Reply)> = [];
  const requests: Recorded[] = [];
  let fallback: ((req: Recorded) => Promise<Reply>) | undefined;
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      answer().catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `the test server failed: ${String(e)}` } }));
      });
    });
    const answer = async () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: data ? JSON.parse(data) : undefined,
      };
      requests.push(recorded);
      const next = queue.shift() ?? fallback ?? { status: 500, body: { error: { message: 'no scripted reply left' } } };
      const reply = await (typeof next === 'function' ? next(recorded) : next);
      if (reply.hang) return; // never answer
      setTimeout(() => {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
      }, reply.delayMs ?? 0);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => queue.push(...replies),
    otherwise: (answer) => void (fallback = answer),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI Chat Completions reply. */
export function openaiReply(
  content: string,
  usage = { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } },
): Reply {
  return {
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4.1-mini',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

/** An Anthropic Messages reply, with text or a tool call. */
export function anthropicReply(
  content: { text: string } | { tool: string; input: unknown },
  usage = { input_tokens: 10, output_tokens: 6, cache_read_input_tokens: 3 },
): Reply {
  const block =
    'text' in content
      ? { type: 'text', text: content.text }
      : { type: 'tool_use', id: 'toolu_1', name: content.tool, input: content.input };
  return {
    body: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-haiku-4-5',
      content: [block],
      stop_reason: 'text' in content ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage,
    },
  };
}

/** A wire server for the calling test file: started before its tests, reset before each, closed after. */
export function useWireServer(): { readonly current: WireServer } {
  const holder: { current: WireServer } = { current: undefined as unknown as WireServer };
  beforeAll(async () => {
    holder.current = await startWireServer();
  });
  afterAll(() => holder.current.close());
  beforeEach(() => {
    holder.current.requests.length = 0;
  });
  return holder;
}
