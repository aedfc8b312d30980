import { setTimeout as sleep } from 'node:timers/promises';
import { GlideClient, GlideClusterClient, Logger } from '@valkey/valkey-glide';
import { Cluster, Redis } from 'ioredis';
import { Redis as Valkey, Cluster as ValkeyCluster } from 'iovalkey';
import { createClient, createCluster } from 'redis';
import type { ValkeyClient, ValkeyStore } from '../../src/stores/valkey/index.js';
import { CLAIM, COMPLETE, RELEASE } from '../../src/stores/valkey/scripts.js';
import type { ClusterAddress } from './redis-cluster.js';

/** A connected client of one library, and how to close it. */
export interface ConnectedClient {
  readonly library: ClientLibrary;
  readonly client: ValkeyClient;
  close(): Promise<void>;
}

export type ClientLibrary = 'node-redis' | 'ioredis' | 'iovalkey' | 'valkey-glide';

export const CLIENT_LIBRARIES: readonly ClientLibrary[] = ['node-redis', 'ioredis', 'iovalkey', 'valkey-glide'];

export interface ClientOptions {
  /** A command unanswered for this long fails. Default 2 s. */
  readonly timeoutMs?: number;
}

let glideQuiet = false;

/** Connects a client of `library` to `url` the way its own documentation does. */
export async function connectClient(library: ClientLibrary, url: string, options: ClientOptions = {}): Promise<ConnectedClient> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const { hostname, port } = new URL(url);
  switch (library) {
    case 'node-redis': {
      // No offline queue: a broken connection fails the command at once instead of holding it.
      const client = createClient({
        url,
        disableOfflineQueue: true,
        commandOptions: { timeout: timeoutMs },
        // Its command timeout does not cover a command already written: the socket timeout does.
        socket: { reconnectStrategy: 50, connectTimeout: timeoutMs, socketTimeout: timeoutMs },
      });
      client.on('error', () => undefined);
      await client.connect();
      return { library, client, close: async () => destroyNodeRedis(client) };
    }
    case 'ioredis':
    case 'iovalkey': {
      // No retry of a failed command: the engine decides what a failure means, not the client.
      const clientOptions = { commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => 50 };
      const client = library === 'ioredis' ? new Redis(url, clientOptions) : new Valkey(url, clientOptions);
      client.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', reject);
      });
      return { library, client, close: async () => void client.disconnect() };
    }
    case 'valkey-glide': {
      quietGlide();
      const client = await GlideClient.createClient({
        addresses: [{ host: hostname, port: Number(port) }],
        requestTimeout: timeoutMs,
      });
      return { library, client, close: async () => client.close() };
    }
  }
}

/**
 * Connects a cluster client of `library` to the seed nodes with the settings of docs/valkey.md's
 * recipes (test/stores/valkey/recipes/), with a command timeout of the test's choosing.
 */
export async function connectClusterClient(
  library: ClientLibrary,
  seeds: readonly ClusterAddress[],
  options: ClientOptions = {},
): Promise<ConnectedClient> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  switch (library) {
    case 'node-redis': {
      const client = createCluster({
        rootNodes: seeds.map(({ host, port }) => ({ socket: { host, port } })),
        defaults: {
          socket: {
            connectTimeout: timeoutMs,
            socketTimeout: timeoutMs,
            reconnectStrategy: (retries: number) => Math.min(20 * 2 ** retries, 500),
          },
        },
        commandOptions: { timeout: timeoutMs },
      });
      client.on('error', () => undefined);
      await client.connect();
      return { library, client, close: async () => destroyNodeRedis(client) };
    }
    case 'ioredis':
    case 'iovalkey': {
      const nodes = seeds.map(({ host, port }) => ({ host, port }));
      const clusterOptions = {
        enableOfflineQueue: false,
        lazyConnect: true,
        redisOptions: { commandTimeout: timeoutMs, maxRetriesPerRequest: 0 },
      };
      const client = library === 'ioredis' ? new Cluster(nodes, clusterOptions) : new ValkeyCluster(nodes, clusterOptions);
      client.on('error', () => undefined);
      await client.connect();
      return { library, client, close: async () => void client.disconnect() };
    }
    case 'valkey-glide': {
      quietGlide();
      const client = await GlideClusterClient.createClient({
        addresses: seeds.map(({ host, port }) => ({ host, port })),
        requestTimeout: timeoutMs,
      });
      return { library, client, close: async () => client.close() };
    }
  }
}

/** Closes a node-redis client or cluster client unless it is closed already. */
export async function destroyNodeRedis(client: { readonly isOpen: boolean; destroy(): void }): Promise<void> {
  if (client.isOpen) client.destroy();
}

/**
 * Waits until a store reaches its server again after a restart or failover (each library has its
 * own reconnect loop): one read per id, so give one id per primary of a cluster.
 */
export async function untilReachable(
  store: ValkeyStore,
  ids: readonly string[] = ['reachable'],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    for (;;) {
      try {
        await store.get(id);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(20);
      }
    }
  }
}

/** Its core logs every server error reply to stdout. */
function quietGlide(): void {
  if (glideQuiet) return;
  Logger.init('off');
  glideQuiet = true;
}

/**
 * Caches the scripts `ValkeyStore` sends (claim, complete, release) on the server `send` reaches, so
 * what a test counts or faults is the script itself, never a first `EVALSHA` answered NOSCRIPT and
 * the `EVAL` after it. A cluster caches scripts per primary: call it for each.
 */
export async function cacheStoreScripts(send: (command: string, ...args: string[]) => Promise<unknown>): Promise<void> {
  for (const script of [CLAIM, COMPLETE, RELEASE]) await send('SCRIPT', 'LOAD', script.source);
}

const SEND_METHODS = new Set(['customCommand', 'callBuffer', 'sendCommand', 'send']);

/** A command the client gave up on or could not send: no answer came, so the store sends it again. */
const UNANSWERED = /timeout|timed out|offline|closed|ECONNRESET|ECONNREFUSED/i;

/**
 * The same client, counting the commands sent through it (one per round trip: the store sends no
 * pipelines), and apart from those the ones that got no answer (the recipes' 1 s client timeouts
 * can lapse on a loaded runner, and the engine retries a completion). A server's error reply
 * (NOSCRIPT, say) is an answer and counts as a round trip like any other.
 */
export function countingClient<T extends ValkeyClient>(client: T): { client: T; commands(): number; answered(): number } {
  let commands = 0;
  let unanswered = 0;
  const proxy = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!SEND_METHODS.has(String(property))) return bound;
      return (...args: unknown[]) => {
        commands++;
        const reply = bound(...args);
        if (reply instanceof Promise) {
          reply.catch((error: unknown) => {
            if (UNANSWERED.test(`${(error as Error)?.name} ${(error as Error)?.message}`)) unanswered++;
          });
        }
        return reply;
      };
    },
  });
  return { client: proxy, commands: () => commands, answered: () => commands - unanswered };
}
