import { afterAll } from 'vitest';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, cacheStoreScripts, countingClient } from '../support/valkey-clients.js';
import { storeContract } from './contract.js';
import { connectByRecipe } from './valkey/recipes.js';

/**
 * The store contract against a real Redis Cluster (3 primaries, 3 replicas on loopback), once per
 * cluster client: GlideClusterClient, ioredis and iovalkey `Cluster`, node-redis `createCluster`.
 * The clients are connected by docs/valkey.md's recipes, given one seed node as an ElastiCache
 * configuration endpoint would be; the records spread over every primary (no hash tag in the prefix).
 * Each primary caches scripts on its own, and a record's first script on a primary that has not
 * seen it costs one EVAL more (NOSCRIPT, then the source): the scripts are loaded on every primary
 * up front, so the request counts are those of a warm cluster whichever primary a key lands on.
 */
const availability = clusterAvailability();
let started: Promise<RedisCluster> | undefined;
const cluster = () => {
  started ??= startRedisCluster();
  return started;
};
afterAll(async () => {
  await (await started)?.stop();
});

for (const library of CLIENT_LIBRARIES) {
  storeContract(
    titled(`ValkeyStore over a ${library} cluster client (Redis Cluster, 3 primaries + 3 replicas)`, availability),
    async () => {
      const running = await cluster();
      for (const primary of await running.primaries())
        await cacheStoreScripts((command, ...args) => primary.admin.call(command, ...args));
      const [seed] = running.seeds;
      const connected = await connectByRecipe(library, 'cluster', seed!.host, seed!.port);
      const counted = countingClient(connected.client);
      return {
        store: new ValkeyStore({ client: counted.client, keyPrefix: `contract:${library}:` }),
        requests: counted.answered,
        duplicateRequests: 1,
        stop: () => connected.close(),
      };
    },
    { skip: !availability.available },
  );
}
