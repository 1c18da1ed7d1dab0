/**
 * The inspector's HTTP server: one self-contained page (HTML, script and style served from here,
 * nothing from the network), the laid-out statecharts, the runs and their events as JSON, and a
 * Server-Sent Events stream of new events. Binds 127.0.0.1 by default; a non-loopback host needs
 * a token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { agentMachine } from '../../machines/agent.js';
import { verifierMachine } from '../../machines/verifier.js';
import { hostHeaderIsLoopback, isLoopbackHost, tokenMatches } from '../internal/loopback.js';
import { checkBindOptions, presentedToken } from './auth.js';
import { InspectorHub, type HubLimits, type HubMessage, type RunObserver } from './hub.js';
import { APP_CSS } from './page/css.js';
import { PAGE_HTML } from './page/html.js';
import { appScript } from './page/script.js';
import type { InspectorCharts, RunProcess } from './wire.js';

export type { InspectorCharts } from './wire.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** Address to bind. Default `127.0.0.1`; anything but loopback requires `token`. */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** Required from clients (Bearer header or `?token=`) when set; at least 16 printable characters. */
  token?: string;
  /** Retention and batching limits. */
  limits?: HubLimits;
}

/** A running inspector. */
export interface Inspector extends RunObserver {
  /** Where to open the page (without the token: append `?token=…` when one is set). */
  readonly url: string;
  /**
   * Shows the live processes (machines) of a run kept in Redis, and their agents, with the run tracked
   * under `runId` (from `listMembers` of `delm/redis`); false when no such run is tracked.
   */
  processes(runId: string, processes: readonly RunProcess[]): boolean;
  /** Closes every stream and the server; nothing is left running. */
  close(): Promise<void>;
}

const QuerySchema = z.object({ token: z.string().max(1024).optional() });
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;
const HEARTBEAT_MS = 15_000;
/** A page that reads slower than this much buffered output is dropped (it reconnects and reloads). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Lays out the charts the page draws (ELK, a few hundred ms; loaded only when needed). */
export async function layoutCharts(): Promise<InspectorCharts> {
  const { layoutChart } = await import('./layout.js');
  const [agent, agentFull, verifier] = await Promise.all([
    layoutChart(agentMachine),
    layoutChart(agentMachine, { detail: 'full' }),
    layoutChart(verifierMachine),
  ]);
  return { agent, agentFull, verifier };
}

let chartsOnce: Promise<InspectorCharts> | undefined;
/** The charts, laid out once per process. */
function charts(): Promise<InspectorCharts> {
  chartsOnce ??= layoutCharts();
  return chartsOnce;
}

/** Starts the inspector server; resolves once it listens. */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  checkBindOptions(host, token);
  const loopback = isLoopbackHost(host);
  const hub = new InspectorHub(options.limits);
  const streams = new Set<ServerResponse>();
  // Start laying out now so the first page load does not wait; errors surface on /api/machines.
  charts().catch(() => undefined);
  // Have the page's script ready before the first page asks (from the sources it is bundled now,
  // once per process); an error surfaces on /app.js.
  await appScript().catch(() => undefined);

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    extra: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
  const fail = (
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    extra: Record<string, string> = {},
  ) => send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: { code, message } }), extra);

  const openStream = (res: ServerResponse) => {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    const write = (text: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(text);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const message = (m: HubMessage) => write(`event: ${m.kind}\ndata: ${JSON.stringify(m)}\n\n`);
    write('retry: 2000\n\n');
    message({ kind: 'runs', runs: hub.list() });
    const unsubscribe = hub.subscribe(message);
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (loopback && !hostHeaderIsLoopback(req))
      return fail(res, 403, 'FORBIDDEN_HOST', 'this inspector answers only to a loopback Host header');
    const url = new URL(req.url ?? '/', 'http://inspector.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return fail(res, 405, 'METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not allowed here`, { allow: 'GET, HEAD' });
    // The page and its assets hold no run data; everything under /api and /events needs the token.
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case '/app.js':
        try {
          return send(res, 200, 'text/javascript; charset=utf-8', await appScript());
        } catch (error) {
          return fail(res, 500, 'PAGE_SCRIPT_UNAVAILABLE', error instanceof Error ? error.message : String(error));
        }
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
      default:
        break;
    }
    const isData = url.pathname === '/events' || url.pathname.startsWith('/api/');
    if (!isData) return fail(res, 404, 'NOT_FOUND', 'no such page');
    const query = QuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return fail(res, 400, 'INVALID_ARGUMENT', 'invalid query parameters');
    if (token !== undefined && !tokenMatches(presentedToken(req, query.data.token), token)) {
      return fail(res, 401, 'UNAUTHORIZED', 'this inspector needs its token: open the page with ?token=…', {
        'www-authenticate': 'Bearer',
      });
    }
    if (url.pathname === '/events') return openStream(res);
    if (url.pathname === '/api/machines') {
      try {
        return json(res, 200, await charts());
      } catch (error) {
        return fail(
          res,
          500,
          'LAYOUT_FAILED',
          `could not lay out the statecharts: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    if (url.pathname === '/api/runs') return json(res, 200, hub.list());
    const match = /^\/api\/runs\/([^/]+)\/events$/.exec(url.pathname);
    if (match) {
      let runId: string;
      try {
        runId = decodeURIComponent(match[1]!);
      } catch {
        return fail(res, 400, 'INVALID_ARGUMENT', 'malformed run id');
      }
      const snapshot = hub.snapshot(runId);
      return snapshot ? json(res, 200, snapshot) : fail(res, 404, 'NOT_FOUND', 'no such run');
    }
    return fail(res, 404, 'NOT_FOUND', 'no such endpoint');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) fail(res, 500, 'INTERNAL', error instanceof Error ? error.message : 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}/`,
    track: (info) => hub.track(info),
    processes: (runId, processes) => hub.processes(runId, processes),
    close: () => {
      closing ??= (async () => {
        hub.flush();
        hub.close();
        for (const res of streams) res.end();
        streams.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
