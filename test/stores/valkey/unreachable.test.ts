import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdempotent, StoreError } from '../../../src/index.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../../support/redis-server.js';
import { CLIENT_LIBRARIES, destroyNodeRedis, untilReachable } from '../../support/valkey-clients.js';
import { connectByRecipe, type RecipeClient, type Topology } from './recipes.js';

/**
 * A store whose server is unreachable fails every invocation fast with a StoreError, for every
 * client library configured as docs/valkey.md says, standalone and in cluster mode: nothing waits
 * in a client's offline queue to claim, and run the handler, once the server returns (by then
 * Lambda has given up on the invocation, and its retry is running).
 */
const FAIL_WITHIN_MS = 2_000;

interface Deployment {
  readonly host: string;
  readonly port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

async function standalone(): Promise<Deployment> {
  const server: RedisServer = await startRedisServer();
  return { host: server.host, port: server.port, down: () => server.kill(), up: () => server.start(), stop: () => server.stop() };
}

async function cluster(): Promise<Deployment> {
  const started: RedisCluster = await startRedisCluster();
  const seed = started.seeds[0]!;
  return {
    host: seed.host,
    port: seed.port,
    down: async () => void (await Promise.all(started.nodes.map((node) => node.kill()))),
    up: async () => {
      await Promise.all(started.nodes.map((node) => node.start()));
      await started.waitHealthy();
    },
    stop: () => started.stop(),
  };
}

const standaloneAvailability = ownServer(redisAvailability());
const deployments: readonly [Topology, () => Promise<Deployment>, ReturnType<typeof redisAvailability>][] = [
  ['standalone', standalone, standaloneAvailability],
  ['cluster', cluster, clusterAvailability()],
];

for (const [topology, start, availability] of deployments) {
  describe.skipIf(!availability.available)(titled(`an unreachable ${topology} server`, availability), () => {
    let deployment: Deployment;
    beforeAll(async () => {
      deployment = await start();
    }, 60_000);
    afterAll(async () => {
      await deployment?.stop();
    });

    const subjects: [string, () => Promise<RecipeClient>][] = CLIENT_LIBRARIES.map((library) => [
      `${library} (docs/valkey.md recipe)`,
      () => connectByRecipe(library, topology, deployment.host, deployment.port),
    ]);
    // The configuration docs/valkey.md gave before: a socket timeout only, so a command sent while
    // the client reconnects waited in its offline queue, unbounded, and ran when the server returned.
    if (topology === 'standalone') subjects.push([LEGACY_NODE_REDIS, () => socketTimeoutOnly(deployment)]);
    // And for ioredis: `commandTimeout`, leaving the Cluster's offline queue on, which has no timeout.
    if (topology === 'cluster') subjects.push([LEGACY_IOREDIS_CLUSTER, () => commandTimeoutOnly(deployment)]);

    it.each(subjects)(
      'over %s: every invocation fails with StoreError within 2 s, and none runs its handler when the server returns',
      async (name, connect) => {
        const connected = await connect();
        const store = new ValkeyStore({ client: connected.client, keyPrefix: `unreachable:${name.split(' ')[0]}:` });
        let executions = 0;
        const call = makeIdempotent(
          async function unreachable(_event: { id: string }) {
            executions++;
            return 'ran';
          },
          { store, key: 'id' },
        );
        try {
          expect(await call({ id: randomUUID() })).toBe('ran');
          await deployment.down();
          // At once (the client may not have noticed yet), then while it reconnects.
          const first = attempt((id) => call({ id }));
          await sleep(500);
          const second = attempt((id) => call({ id }));
          for (const outcome of [await first.within, await second.within]) {
            expect(outcome.state, `settled within ${FAIL_WITHIN_MS} ms`).toBe('rejected');
            expect(outcome.error).toBeInstanceOf(StoreError);
            expect(outcome.elapsedMs).toBeLessThan(FAIL_WITHIN_MS);
          }

          await deployment.up();
          // Anything a client still held would be sent once it reconnects.
          await sleep(2_000);
          expect(executions).toBe(1);
          // The node-redis client closes itself for good on its first idle socket timeout (see
          // below); the ioredis Cluster may have sent the first claim after all, once its nodes
          // returned (a claim nobody holds: the key waits for its in-progress expiry).
          if (name === LEGACY_NODE_REDIS || name === LEGACY_IOREDIS_CLUSTER) return;
          await untilReachable(store);
          // The failed claims left nothing behind: a retry runs the handler, once.
          expect(await call({ id: first.id })).toBe('ran');
          expect(await call({ id: second.id })).toBe('ran');
          expect(await call({ id: first.id })).toBe('ran');
          expect(executions).toBe(3);
        } finally {
          await connected.close();
        }
      },
      60_000,
    );
  });
}

describe.skipIf(!standaloneAvailability.available)(titled('node-redis socketTimeout', standaloneAvailability), () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // socketTimeout closes a socket idle for that long, and node-redis's default reconnectStrategy
  // does not reconnect after it: the recipe's own strategy does.
  it('closes an idle client for good with the default reconnectStrategy; the recipe reconnects and the next call succeeds', async () => {
    const legacy = await socketTimeoutOnly({ host: server.host, port: server.port });
    const recipe = await connectByRecipe('node-redis', 'standalone', server.host, server.port);
    try {
      await sleep(1_500);
      expect((legacy.client as { isOpen: boolean }).isOpen).toBe(false);
      const store = new ValkeyStore({ client: recipe.client });
      expect(await store.get('after-idle')).toBeUndefined();
    } finally {
      await legacy.close();
      await recipe.close();
    }
  });
});

const LEGACY_NODE_REDIS = 'node-redis (socket.socketTimeout only)';
const LEGACY_IOREDIS_CLUSTER = 'ioredis Cluster (commandTimeout only)';

async function commandTimeoutOnly(at: { host: string; port: number }): Promise<RecipeClient> {
  const client = new Cluster([{ host: at.host, port: at.port }], { redisOptions: { commandTimeout: 1_000 } });
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('ready', resolve));
  return { client, close: async () => void client.disconnect() };
}

async function socketTimeoutOnly(at: { host: string; port: number }): Promise<RecipeClient> {
  const client = createClient({ socket: { host: at.host, port: at.port, socketTimeout: 1_000 } });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => destroyNodeRedis(client) };
}

interface Outcome {
  readonly state: 'resolved' | 'rejected' | 'pending';
  readonly error?: unknown;
  readonly elapsedMs: number;
}

/** Starts an invocation on a fresh key and reports how it stood after FAIL_WITHIN_MS. */
function attempt(invoke: (id: string) => Promise<unknown>): { id: string; within: Promise<Outcome> } {
  const id = randomUUID();
  const started = performance.now();
  const settled = invoke(id).then(
    (): Outcome => ({ state: 'resolved', elapsedMs: performance.now() - started }),
    (error: unknown): Outcome => ({ state: 'rejected', error, elapsedMs: performance.now() - started }),
  );
  const pending = sleep(FAIL_WITHIN_MS).then((): Outcome => ({ state: 'pending', elapsedMs: FAIL_WITHIN_MS }));
  return { id, within: Promise.race([settled, pending]) };
}

/** These tests kill their server: never REDIS_URL's. */
function ownServer(availability: ReturnType<typeof redisAvailability>): ReturnType<typeof redisAvailability> {
  if (availability.available && availability.external !== undefined) {
    return { available: false, reason: 'REDIS_URL is set; these tests need a server they own' };
  }
  return availability;
}
