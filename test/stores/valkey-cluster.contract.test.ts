import { afterAll } from 'vitest';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, countingClient } from '../support/valkey-clients.js';
import { storeContract } from './contract.js';
import { connectByRecipe } from './valkey/recipes.js';

/**
 * The store contract against a real Redis Cluster (3 primaries, 3 replicas on loopback), once per
 * cluster client: GlideClusterClient, ioredis and iovalkey `Cluster`, node-redis `createCluster`.
 * The clients are connected by docs/valkey.md's recipes, given one seed node as an ElastiCache
 * configuration endpoint would be; the records spread over every primary (no hash tag in the prefix).
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
      const [seed] = (await cluster()).seeds;
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
