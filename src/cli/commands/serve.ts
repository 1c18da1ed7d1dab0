/** `delm serve`: delm's HTTP API (runs API and OpenAI-compatible chat completions) until SIGINT/SIGTERM. */
import path from 'node:path';
import { InvalidConfigError } from '../../errors.js';
import { mcpServersArg } from '../mcp-option.js';
import { startServer } from '../../server/index.js';
import type { SwarmOptions } from '../../runtime/options.js';
import { startLiveInspector } from '../live-inspector.js';
import { apiKeys, cliLogger, LOG_FLAGS, LOG_USAGE } from '../logging.js';
import {
  EXIT,
  nonNegativeArg,
  parseCommandArgs,
  portArg,
  positiveIntArg,
  redisUrlArg,
  untilAborted,
  UsageError,
  type Command,
} from '../command.js';

/** The swarm's `tools` from `--tools`, `--workspace` and `--mcp` (none when no flag is given). */
function serveTools(
  values: { tools?: string | undefined; workspace?: string | undefined; mcp?: string[] | undefined },
  cwd: string,
): Pick<SwarmOptions, 'tools'> {
  const use = values.tools
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const mcpServers = mcpServersArg(values.mcp, cwd);
  if (!use?.length && !mcpServers) {
    if (values.workspace !== undefined) throw new UsageError('--workspace is for the tools of --tools');
    return {};
  }
  return {
    tools: {
      use: (use ?? []) as NonNullable<SwarmOptions['tools']>['use'],
      ...(values.workspace !== undefined ? { workspace: path.resolve(cwd, values.workspace) } : {}),
      ...(mcpServers ? { mcpServers } : {}),
    },
  };
}

/** The `serve` command. */
export const command: Command = {
  name: 'serve',
  summary: 'Serve an HTTP API: runs with live events, and OpenAI-compatible chat completions.',
  usage: `Usage: delm serve [options]

Starts delm's HTTP API and prints the URL it listens on; SIGINT/SIGTERM stop it cleanly.

  POST   /v1/runs              start a run ({ prompt, sources?, subTasks?, meta? }); 202 with its id
  GET    /v1/runs/:id          status, and the result once finished
  GET    /v1/runs/:id/events   Server-Sent Events: what already happened, then live, to run.finished
  DELETE /v1/runs/:id          cancel a run
  POST   /v1/chat/completions  OpenAI-compatible (stream or not); body field delm: { sources?, subTasks? }
  GET    /v1/models            the one model id, "delm" (any model name is accepted and echoed)
  GET    /healthz              liveness (no token needed)

Run events are SSE messages named after their type (event: commit, …; use addEventListener with
EventSource); Last-Event-ID resumes. Errors are { error: { message, type, code, param } }.

Options:
  --port <n>                  TCP port (default 8787; 0 = any free port)
  --host <addr>               interface to bind (default 127.0.0.1). Anything but loopback needs a token
  --token <t>                 bearer token clients must send (at least 16 characters); prefer the
                              DELM_SERVE_TOKEN environment variable, which stays out of process lists
  --agents <n>                agents per swarm (default 4)
  --threads <n>               host each swarm's agents on n worker threads, many per thread (default: one
                              thread per agent, up to 256 agents; above that, one per core)
  --model <m>                 model string: offline (default), openai:…, anthropic:…, openai-compatible:…@url
  --latency <ms>              offline model only: simulated latency per call (timing like an LLM's)
  --protocol <p>              delm (default) or basic
  --max-concurrent-runs <n>   runs executing at once, one swarm each (default 2)
  --max-queued-runs <n>       runs that may wait for a swarm before 429 (default 0)
  --max-body-bytes <n>        request body limit (default 1048576; larger gets 413)
  --tools <list>              built-in tools agents get, comma-separated (list_files,grep,read_file); needs --workspace
  --workspace <dir>           folder the built-in tools are confined to
  --mcp <server>              an MCP server agents get (a .js/.mjs file run with node, a command, or an
                              http(s):// URL; repeatable). A run request may select tools by name
                              ({ tools: ["grep", "docs"] }) among these, never give a server itself
  --redis <url>               keep runs in Redis (redis://host:port): every \`delm serve --redis\` on it
                              can get a run, stream its events (Last-Event-ID resumes on any of them)
                              and cancel it, whichever started it. A finished run's keys stay in Redis
                              for 15 minutes (retainMs; the keepFinishedMs of its run), and at most 256
                              finished runs (retainRuns) are kept across the serve processes. A password:
                              DELM_REDIS_PASSWORD, which stays out of process lists
  --member-ttl-ms <ms>        with --redis: expiry of each process's member key in a run, refreshed every
                              third of it (memberTtlMs; default 10000, at least 300): a serve process
                              that died drops out of its runs' processes after it
  --inspect                   also serve the live inspector (on 127.0.0.1) showing every run
${LOG_USAGE}
  -h, --help                  show this help`,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        agents: { type: 'string' },
        threads: { type: 'string' },
        model: { type: 'string' },
        latency: { type: 'string' },
        redis: { type: 'string' },
        'member-ttl-ms': { type: 'string' },
        protocol: { type: 'string' },
        'max-concurrent-runs': { type: 'string' },
        'max-queued-runs': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        inspect: { type: 'boolean' },
        tools: { type: 'string' },
        workspace: { type: 'string' },
        mcp: { type: 'string', multiple: true },
        ...LOG_FLAGS,
      },
      false,
    );
    if (values.help) {
      io.out(`${this.usage}\n`);
      return EXIT.ok;
    }
    if (values.protocol !== undefined && values.protocol !== 'delm' && values.protocol !== 'basic')
      throw new UsageError(`unknown --protocol "${values.protocol}" (expected delm or basic)`);
    const queued = values['max-queued-runs'];
    if (queued !== undefined && !/^\d+$/.test(queued))
      throw new UsageError(`--max-queued-runs must be a non-negative integer, got "${queued}"`);
    const token = values.token ?? (io.env.DELM_SERVE_TOKEN || undefined);
    const logger = cliLogger(io, values, [token, ...apiKeys(io.env)]);
    const agents = positiveIntArg('agents', values.agents);
    const threads = positiveIntArg('threads', values.threads);
    const perCallMs = nonNegativeArg('latency', values.latency);
    if (perCallMs !== undefined && values.model !== undefined && values.model !== 'offline')
      throw new UsageError('--latency simulates a model on the offline model only; a real model has its own latency');
    const swarm: SwarmOptions = {
      ...(agents !== undefined ? { agents } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(perCallMs !== undefined
        ? { model: { provider: 'offline' as const, latency: { perCallMs } } }
        : values.model !== undefined
          ? { model: values.model }
          : {}),
      ...(values.protocol !== undefined ? { protocol: values.protocol } : {}),
      ...serveTools(values, io.cwd),
    };
    const port = portArg(values.port);
    const maxConcurrentRuns = positiveIntArg('max-concurrent-runs', values['max-concurrent-runs']);
    const maxBodyBytes = positiveIntArg('max-body-bytes', values['max-body-bytes']);
    const memberTtlMs = positiveIntArg('member-ttl-ms', values['member-ttl-ms']);
    const redis = redisUrlArg(values.redis, io.env);
    if (memberTtlMs !== undefined && redis === undefined)
      throw new UsageError('--member-ttl-ms applies to runs kept in Redis: add --redis <url>');
    if (io.signal.aborted) return EXIT.interrupted;
    const inspector = values.inspect ? await startLiveInspector(io) : undefined;
    let server;
    try {
      server = await startServer({
        swarm,
        ...(port !== undefined ? { port } : {}),
        ...(values.host !== undefined ? { host: values.host } : {}),
        ...(token !== undefined ? { token } : {}),
        ...(maxConcurrentRuns !== undefined ? { maxConcurrentRuns } : {}),
        ...(queued !== undefined ? { maxQueuedRuns: Number(queued) } : {}),
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
        ...(redis !== undefined
          ? { redis: { url: redis, ...(memberTtlMs !== undefined ? { memberTtlMs } : {}) } }
          : {}),
        logger,
        ...(inspector ? { inspector } : {}),
      });
    } catch (error) {
      await inspector?.close();
      // Bad flag values surface as config issues: report them as usage errors (exit 2).
      if (error instanceof InvalidConfigError) throw new UsageError(error.message);
      throw error;
    }
    const { options } = server;
    io.out(
      `delm serve: listening on ${server.url} (${options.maxConcurrentRuns} concurrent run(s), ${options.tokenRequired ? 'bearer token required' : 'no token: loopback only'}${options.redis ? '; runs kept in Redis' : ''})\n`,
    );
    await untilAborted(io.signal);
    logger.info('delm serve: stopping');
    await server.close();
    await inspector?.close();
    return EXIT.ok;
  },
};
