/**
 * `startServer(options)`: delm's HTTP API on node:http, bound to 127.0.0.1 by default. Routes:
 * `GET /healthz`, `POST /v1/runs`, `GET|DELETE /v1/runs/:id`, `GET /v1/runs/:id/events` (SSE),
 * `POST /v1/chat/completions` (OpenAI-compatible) and `GET /v1/models`. Runs execute on a pool of
 * swarms (`maxConcurrentRuns`); finished runs are kept within `retainRuns` / `retainMs`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachInspector } from '../inspector/attach.js';
import { checkModelRef } from '../runtime/model-loader.js';
import { createSwarmPool, type SwarmPool } from '../runtime/swarm-pool.js';
import { logRequest, requestLogger } from '../logging/request-log.js';
import { bearerAuthorizer, hostHeaderIsLoopback } from '../internal/loopback.js';
import { chatCompletions } from './chat.js';
import type { RequestContext, ServerContext } from './context.js';
import { HttpError } from './errors.js';
import { answerClientError, discardBody, discardLimits } from './client-errors.js';
import { sendError, sendJson } from './http.js';
import { protocolTaskChecker } from './task-check.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.js';
import { RunRegistry } from './registry.js';
import { lendIdleSwarms } from './lending.js';
import { showProcesses } from './inspect-processes.js';
import { cancelRun, createRun, getRun, streamRunEvents } from './runs-api.js';

type Handler = (ctx: RequestContext) => Promise<void>;

/** A route: a path pattern (captures become `params`) and a handler per method. */
interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
  /** Served without the bearer token. */
  public?: boolean;
}

const RUN_ID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** A running server. */
export interface DelmServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The address bound. */
  readonly host: string;
  /** The port bound (the one picked when `port` was 0). */
  readonly port: number;
  /** The validated options, defaults filled in; the token is left out (`tokenRequired` says whether one is set). */
  readonly options: Omit<ResolvedServerOptions, 'token'> & { tokenRequired: boolean };
  /** The swarms runs execute on. */
  readonly pool: SwarmPool;
  /** The node:http server (for tests and embedding). */
  readonly httpServer: Server;
  /** Stops accepting requests, aborts every run, closes the swarms and every connection. */
  close(): Promise<void>;
}

function withoutToken({ token: _token, ...rest }: ResolvedServerOptions): Omit<ResolvedServerOptions, 'token'> {
  return rest;
}

/** A listening address as the host of a URL: IPv6 in brackets (`::1` → `[::1]`), IPv4 as it is. */
function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * Starts the server and resolves once it listens. Invalid options (including a missing token off
 * loopback) throw InvalidConfigError before anything starts.
 */
export async function startServer(options: ServerOptions = {}): Promise<DelmServer> {
  const resolved = resolveServerOptions(options);
  const logger = options.logger;
  const log = options.log ?? (logger ? (line: string) => logger.info(line) : () => {});
  // Redis that is not there fails here, before any swarm starts.
  // Loaded only with redis: a server without it never pays for the Redis client's import.
  const retention = { retainRuns: resolved.retainRuns, retainMs: resolved.retainMs };
  const shared = resolved.redis
    ? await (await import('./shared-runs.js')).SharedRuns.open(resolved.redis.url, retention, log)
    : undefined;
  // A finished run's keys in Redis go with its record, after retainMs (not the substrate's default 7 days).
  const redisSubstrate = {
    maxEvents: resolved.maxEventsPerRun,
    keepFinishedMs: resolved.retainMs,
    ...(resolved.redis?.memberTtlMs !== undefined ? { memberTtlMs: resolved.redis.memberTtlMs } : {}),
  };
  let pool: SwarmPool;
  try {
    pool = createSwarmPool({
      ...resolved.swarm,
      ...(resolved.redis ? { substrate: { redis: { ...redisSubstrate, url: resolved.redis.url } } } : {}),
      swarms: resolved.maxConcurrentRuns,
      maxQueued: resolved.maxQueuedRuns,
    });
  } catch (error) {
    await shared?.close();
    throw error;
  }
  try {
    // A missing API key or unknown provider fails here, before the server listens, not on every request.
    await checkModelRef(pool.options.swarm.model);
    if (pool.options.swarm.judgeModel) await checkModelRef(pool.options.swarm.judgeModel);
  } catch (error) {
    await pool.close();
    await shared?.close();
    throw error;
  }
  let recentRunMs = 5_000;
  let observed = 0;
  const registry = new RunRegistry(
    { maxRuns: resolved.retainRuns, ttlMs: resolved.retainMs, maxEventsPerRun: resolved.maxEventsPerRun },
    (record) => {
      if (record.result) recentRunMs = 0.7 * recentRunMs + 0.3 * record.result.wallTimeMs;
      void shared?.finished(record);
    },
  );
  const context: ServerContext = {
    options: resolved,
    pool,
    registry,
    shared,
    runOptions: (kind) =>
      options.inspector ? attachInspector(options.inspector, {}, { label: `${kind} ${++observed}` }) : {},
    started: shared && options.inspector ? showProcesses(options.inspector, shared) : () => {},
    retryAfterSeconds: () => Math.min(60, Math.max(1, Math.ceil(recentRunMs / 1000))),
    checkTask: protocolTaskChecker(pool.options.swarm.protocol),
  };
  const authorized = bearerAuthorizer(resolved.token);
  let closing: Promise<void> | undefined;
  const open = new Set<ServerResponse>();

  const routes: Route[] = [
    {
      pattern: /^\/healthz$/,
      public: true,
      methods: {
        GET: async ({ res }) => {
          const { running, queued } = pool.stats();
          sendJson(res, closing ? 503 : 200, {
            status: closing ? 'closing' : 'ok',
            runs: { running, queued, retained: registry.counts().retained },
          });
        },
      },
    },
    { pattern: /^\/v1\/runs$/, methods: { POST: createRun } },
    { pattern: new RegExp(`^/v1/runs/${RUN_ID}$`), methods: { GET: getRun, DELETE: cancelRun } },
    { pattern: new RegExp(`^/v1/runs/${RUN_ID}/events$`), methods: { GET: streamRunEvents } },
    { pattern: /^\/v1\/chat\/completions$/, methods: { POST: chatCompletions } },
    {
      pattern: /^\/v1\/models$/,
      methods: {
        GET: async ({ res }) =>
          sendJson(res, 200, { object: 'list', data: [{ id: 'delm', object: 'model', created: 0, owned_by: 'delm' }] }),
      },
    },
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    open.add(res);
    res.once('close', () => open.delete(res));
    // A path is appended, not resolved: resolved, `//x/v1/runs` reads as host x and path /v1/runs.
    const target = req.url ?? '/';
    const url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
    const route = routes.find((r) => r.pattern.test(url.pathname));
    // Without a token, only loopback names may address the server: a web page that rebinds its own
    // DNS name to 127.0.0.1 sends its own Host header, and is refused here.
    if (resolved.token === undefined && !hostHeaderIsLoopback(req)) {
      throw new HttpError(
        403,
        'UNAUTHORIZED',
        'this server has no token and answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1])',
      );
    }
    if (!route?.public && !authorized(req)) {
      throw new HttpError(401, 'UNAUTHORIZED', 'missing or invalid bearer token (Authorization: Bearer <token>)', {
        headers: { 'www-authenticate': 'Bearer realm="delm"' },
      });
    }
    if (!route) throw new HttpError(404, 'NOT_FOUND', `no route ${req.method ?? ''} ${url.pathname.slice(0, 200)}`);
    const method = req.method ?? 'GET';
    // HEAD is GET without the body (node:http drops it); SSE routes end at once (see openSse).
    const handler = Object.hasOwn(route.methods, method)
      ? route.methods[method]
      : method === 'HEAD'
        ? route.methods.GET
        : undefined;
    if (!handler) {
      const allow = [...Object.keys(route.methods), ...(route.methods.GET ? ['HEAD'] : [])].join(', ');
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}; allowed: ${allow}`, {
        headers: { allow },
      });
    }
    if (closing && !route.public) throw new HttpError(503, 'CLOSED', 'the server is shutting down');
    const params = route.pattern.exec(url.pathname)!.slice(1);
    await handler({ req, res, url, params, server: context });
  }

  const discard = discardLimits(resolved.maxBodyBytes);
  const httpServer = createServer((req, res) => {
    logRequest(logger, req, res);
    handle(req, res).catch((error: unknown) => {
      const failure = error instanceof Error ? error.message : String(error);
      const requestLog = requestLogger(req);
      if (error instanceof HttpError) {
        /* an answer, not a failure: sent below */
      } else if (requestLog) requestLog.error({ error: failure }, 'unexpected error');
      else log(`delm serve: ${req.method ?? ''} ${(req.url ?? '').split('?')[0]}: ${failure}`);
      sendError(res, error);
      if (!req.complete) discardBody(req, res, discard);
    });
  });
  // Requests node:http's parser rejects (bad request line or headers, headers too large) get the same JSON error body.
  httpServer.on('clientError', (error, socket) => answerClientError(error, socket));
  httpServer.headersTimeout = 30_000;
  httpServer.requestTimeout = 60_000; // receiving a request (headers and body); responses may stream longer
  httpServer.keepAliveTimeout = 5_000;

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(resolved.port, resolved.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await pool.close();
    await shared?.close();
    throw error;
  }
  // Idle swarms help with the runs other serve processes on the same Redis started.
  const lender = shared ? lendIdleSwarms(pool, shared, (id) => registry.get(id) !== undefined, log) : undefined;
  const address = httpServer.address() as AddressInfo;
  const url = `http://${hostForUrl(address.address)}:${address.port}`;

  async function close(): Promise<void> {
    const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    await lender?.stop();
    // Aborting the runs finishes their responses and event streams.
    await pool.close();
    await Promise.all(registry.unfinished());
    const flushed = [...open].map(
      (res) =>
        new Promise<void>((resolve) =>
          res.writableEnded || res.destroyed ? resolve() : res.once('close', () => resolve()),
        ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(flushed), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
    clearTimeout(timer);
    httpServer.closeAllConnections();
    await closed;
    await shared?.close();
    registry.clear();
    log('delm serve: closed');
  }

  return {
    url,
    host: address.address,
    port: address.port,
    options: { ...withoutToken(resolved), tokenRequired: resolved.token !== undefined },
    pool,
    httpServer,
    close: () => (closing ??= close()),
  };
}
