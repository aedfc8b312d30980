import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether the Redis tests can run here, and if not, why. */
export type RedisAvailability =
  | { readonly available: true; readonly external: string | undefined }
  | { readonly available: false; readonly reason: string };

/** The redis-server binary the tests start. */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/**
 * `REDIS_URL` points the tests at a server of your own; otherwise each test file starts its own
 * `redis-server`. Without the binary, outside CI, the tests are skipped with the reason; under
 * `CI=true` a missing server fails the run (CI installs it: .ci/install-redis).
 */
export function redisAvailability(): RedisAvailability {
  const external = process.env.REDIS_URL;
  if (external) return { available: true, external };
  const probe = spawnSync(REDIS_SERVER_BIN, ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return { available: true, external: undefined };
  const reason = `${REDIS_SERVER_BIN} is not installed (apt-get install -y redis-server) and REDIS_URL is not set`;
  if (process.env.CI === 'true') throw new Error(`CI=true: the Redis tests must run, but ${reason}.`);
  return { available: false, reason };
}

/** A describe-block title that says why it was skipped, so a skip is never mistaken for a pass. */
export function titled(title: string, availability: RedisAvailability): string {
  return availability.available ? title : `${title} (not run: ${availability.reason})`;
}

export interface RedisServerOptions {
  /** Start as a read-only replica of this server. */
  readonly replicaOf?: RedisServer;
  /** Keep an append-only file fsynced on every write, so a restart keeps the records. */
  readonly durable?: boolean;
}

/** A `redis-server` on 127.0.0.1 that this test owns. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Kills the process (SIGKILL, as a crash) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Kills the process (SIGKILL): the server is unreachable until `start()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill()`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a `redis-server` on a free loopback port, persistence off unless `durable`. */
export function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  return onFreshPorts(() => startOnFreePort(options));
}

async function startOnFreePort(options: RedisServerOptions): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'idempotency-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push(...(options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  if (options.replicaOf) args.push('--replicaof', options.replicaOf.host, String(options.replicaOf.port));
  let child: ChildProcess;
  try {
    child = await launchRedisServer(args);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await stopProcess(child, 'SIGKILL');
      child = await launchRedisServer(args);
    },
    async kill() {
      await stopProcess(child, 'SIGKILL');
    },
    async start() {
      child = await launchRedisServer(args);
    },
    async stop() {
      await stopProcess(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a redis-server with these arguments and resolves once it accepts connections. */
export async function launchRedisServer(args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${output}`));
    });
    // A missing binary: the caller gets the ENOENT instead of an unhandled error event.
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Sends `signal` to a process this test started and resolves once it has exited. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Runs `start` again, on ports it picks afresh, when a server it launched could not bind one: a
 * port free when asked can be taken before the server binds it (another test's server, or the local
 * end of an outgoing connection, drawn from the same range). Any other failure is `start`'s own.
 */
export async function onFreshPorts<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/Address already in use/.test(String((error as Error | undefined)?.message))) throw error;
    }
  }
}

/** A loopback port nothing listens on at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
