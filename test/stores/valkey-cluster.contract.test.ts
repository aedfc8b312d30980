import { afterAll } from 'vitest';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, connectClusterClient, countingClient } from '../support/valkey-clients.js';
import { storeContract } from './contract.js';

/**
 * The store contract against a real Redis Cluster (3 primaries, 3 replicas on loopback), once per
 * cluster client: GlideClusterClient, ioredis and iovalkey `Cluster`, node-redis `createCluster`.
 * The records of one run spread over every primary (no hash tag in the prefix).
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
      const connected = await connectClusterClient(library, (await cluster()).seeds);
      const counted = countingClient(connected.client);
      return {
        store: new ValkeyStore({ client: counted.client, keyPrefix: `contract:${library}:` }),
        requests: counted.commands,
        duplicateRequests: 1,
        stop: () => connected.close(),
      };
    },
    { skip: !availability.available },
  );
}
