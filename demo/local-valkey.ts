import { GlideClient, Logger } from '@valkey/valkey-glide';
import { ValkeyStore } from '../src/stores/valkey/index.js';
import { startRedisServer } from '../test/support/redis-server.js';

export interface LocalValkey {
  readonly url: string;
  /** True when this process started redis-server itself (records live in memory and vanish on exit). */
  readonly embedded: boolean;
  readonly store: ValkeyStore;
  close(): Promise<void>;
}

/**
 * The Valkey the local tools keep idempotency records in: `REDIS_URL` when set (a Valkey or Redis
 * of your own, `rediss://` for TLS), otherwise a `redis-server` started on a free loopback port,
 * persistence off. Connected with valkey-glide, as the deployed Valkey sample is.
 */
export async function startLocalValkey(): Promise<LocalValkey> {
  const external = process.env.REDIS_URL;
  const server = external
    ? undefined
    : await startRedisServer().catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        throw new Error(
          'redis-server is not installed: apt-get install -y redis-server (or valkey-server with REDIS_SERVER_BIN=valkey-server), brew install valkey, or set REDIS_URL.',
          { cause: error },
        );
      });
  const url = new URL(external ?? server?.url ?? '');
  // Glide's core logs each reconnect attempt to stdout; the dev server prints its own lines.
  Logger.init('off');
  const client = await GlideClient.createClient({
    addresses: [{ host: url.hostname, port: Number(url.port || 6379) }],
    useTLS: url.protocol === 'rediss:',
    requestTimeout: 1000,
  });
  return {
    url: url.href,
    embedded: server !== undefined,
    store: new ValkeyStore({ client, keyPrefix: 'lambda-idempotency-dev:' }),
    close: async () => {
      client.close();
      await server?.stop();
    },
  };
}

export function describeValkey(valkey: LocalValkey): string {
  return valkey.embedded ? `embedded redis-server at ${valkey.url}` : `Valkey at ${valkey.url}`;
}
