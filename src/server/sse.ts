/** Server-Sent Events on a node:http response: headers, framed events, keep-alive comments. */
import type { ServerResponse } from 'node:http';

/** An open event stream. */
export interface SseStream {
  /** Writes one event (`data` is JSON-encoded unless it is a string). */
  send(data: unknown, fields?: { event?: string; id?: string | number }): void;
  /** Writes a comment line (ignored by clients; keeps proxies from timing out). */
  comment(text: string): void;
  /** Ends the stream. */
  end(): void;
}

/** Starts an SSE response with a keep-alive comment every `heartbeatMs` until the response closes. */
export function openSse(res: ServerResponse, heartbeatMs: number, headers: Record<string, string> = {}): SseStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...headers,
  });
  if (res.req.method === 'HEAD') {
    res.end(); // the headers are the whole answer to HEAD
    return { send: () => {}, comment: () => {}, end: () => {} };
  }
  res.flushHeaders();
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs);
  heartbeat.unref();
  res.once('close', () => clearInterval(heartbeat));
  function write(text: string): void {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  }
  return {
    send(data, fields = {}) {
      const body = typeof data === 'string' ? data : JSON.stringify(data);
      const head = `${fields.id !== undefined ? `id: ${fields.id}\n` : ''}${fields.event ? `event: ${fields.event}\n` : ''}`;
      write(
        `${head}${body
          .split('\n')
          .map((line) => `data: ${line}`)
          .join('\n')}\n\n`,
      );
    },
    comment(text) {
      write(`: ${text.replace(/\n/g, ' ')}\n\n`);
    },
    end() {
      clearInterval(heartbeat);
      if (!res.writableEnded) res.end();
    },
  };
}
