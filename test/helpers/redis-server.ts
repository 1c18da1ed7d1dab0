/**
 * A private `redis-server` for tests and benches: started on a free loopback port, in a temporary
 * directory, with the append-only file on (`appendfsync everysec`) and RDB snapshots off, and stopped
 * by its pid. Fails with a message that says how to install Redis when `redis-server` is missing —
 * the Redis tests never skip silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs it; PATH is searched too. */
const DEBIAN_PATH = '/usr/bin/redis-server';
export const INSTALL_HINT =
  'redis-server is not installed: the Redis substrate tests need it. Install it with `apt-get install -y --no-install-recommends redis-server` (as root, or with sudo), or run `bash .ci/run`, which installs it.';

/** A running private server. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** SIGKILLs it (no shutdown save beyond what the AOF already holds) and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (so it reloads its AOF). */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

/** Path of redis-server, or undefined when it is not installed. */
export function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  return found || (spawnSync(DEBIAN_PATH, ['--version']).status === 0 ? DEBIAN_PATH : undefined);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/** Resolves once the server answers PING with PONG (and has loaded its AOF), or rejects after `ms`. */
async function waitReady(port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} at start`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let reply = '';
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (d) => {
        reply += d.toString();
        socket.destroy();
        // A server started with --requirepass answers NOAUTH: it is up (its AOF is not checked then).
        resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} was not ready within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a private redis-server; throws {@link INSTALL_HINT} when it is not installed. */
export async function startRedisServer(
  options: {
    extraArgs?: string[];
    /** Path of the binary; default: found on PATH or at Debian's path. */ binary?: string;
  } = {},
): Promise<RedisServer> {
  const binary = options.binary ?? redisServerPath();
  if (!binary || !existsSync(binary)) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'delm-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const launch = async () => {
    for (let attempt = 0; ; attempt++) {
      port ||= await freePort();
      child = spawn(
        binary,
        [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--save',
          '',
          '--daemonize',
          'no',
          '--protected-mode',
          'yes',
          '--hz',
          '100',
          '--loglevel',
          'warning',
          '--logfile',
          join(dir, 'redis.log'),
          ...(options.extraArgs ?? []),
        ],
        { stdio: 'ignore' },
      );
      try {
        await waitReady(port, child, 10_000);
        return;
      } catch (error) {
        child.kill('SIGKILL');
        // The port may have been taken between the probe and the start: try another one.
        if (attempt >= 3) throw error;
        port = 0;
      }
    }
  };
  await launch();
  const exited = async () => {
    if (child && child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  };
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return child!.pid!;
    },
    dir,
    async kill() {
      process.kill(child!.pid!, 'SIGKILL');
      await exited();
    },
    async restart() {
      await launch();
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child?.pid && child.exitCode === null && child.kill('SIGKILL'), 2_000);
        await exited();
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One private server for a test file: started before its tests (failing each of them with
 * {@link INSTALL_HINT} when redis-server is missing) and stopped after them. Returns a getter.
 */
export function privateRedisServer(
  hooks: {
    beforeAll: (fn: () => Promise<void>, timeout?: number) => void;
    afterAll: (fn: () => Promise<void>) => void;
  },
  extraArgs: string[] = [],
): () => RedisServer {
  let server: RedisServer | undefined;
  hooks.beforeAll(async () => {
    server = await startRedisServer({ extraArgs });
  }, 30_000);
  hooks.afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error(INSTALL_HINT);
    return server;
  };
}

let runs = 0;
/** A run id no other test of this process uses. */
export function uniqueRunId(label = 'test'): string {
  return `${label}-${process.pid}-${++runs}`;
}
