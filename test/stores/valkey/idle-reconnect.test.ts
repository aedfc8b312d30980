import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdempotent } from '../../../src/index.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import {
  type RedisAvailability,
  type RedisServer,
  redisAvailability,
  startRedisServer,
  titled,
} from '../../support/redis-server.js';
import { CLIENT_LIBRARIES } from '../../support/valkey-clients.js';
import { connectByRecipe, type Topology } from './recipes.js';

/**
 * The first invocation after a Lambda freeze, for every docs/valkey.md recipe: a container frozen
 * longer than a client's idle timeout (node-redis `socketTimeout`, 1 s in the recipes) wakes with
 * that timer already due, so the client closes and reopens its connections just as the invocation
 * sends its first command. The freeze is the event loop blocked past the timeout (no timer can run,
 * as in a frozen container), then one turn of the loop for the due timers, then the invocation.
 * Each invocation must run its handler; none may fail because a connection was being reopened.
 */
const FROZEN_MS = 1_300;
const FREEZES = 3;
const standaloneAvailability = redisAvailability();
const clusterReady = clusterAvailability();

let server: RedisServer | undefined;
let cluster: RedisCluster | undefined;
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

function freeze(): Promise<void> {
  const until = Date.now() + FROZEN_MS;
  while (Date.now() < until) {
    // Blocked, as a frozen container is: the idle timers fall due and none runs.
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const topologies: readonly (readonly [Topology, RedisAvailability])[] = [
  ['standalone', standaloneAvailability],
  ['cluster', clusterReady],
];
for (const [topology, availability] of topologies) {
  describe.skipIf(!availability.available)(titled(`the first invocation after a freeze (${topology})`, availability), () => {
    let address: { host: string; port: number };
    beforeAll(async () => {
      if (topology === 'standalone') {
        server = await startRedisServer();
        address = { host: server.host, port: server.port };
      } else {
        cluster = await startRedisCluster({ replicasPerPrimary: 0 });
        address = cluster.seeds[0]!;
      }
    }, 60_000);

    it.each(CLIENT_LIBRARIES)(
      'over %s: runs, on a connection reopened under it',
      async (library) => {
        const connected = await connectByRecipe(library, topology, address.host, address.port);
        try {
          const ran: string[] = [];
          const failures: string[] = [];
          const create = makeIdempotent(
            async function create(event: { id: string }) {
              ran.push(event.id);
              return { id: event.id };
            },
            { store: new ValkeyStore({ client: connected.client, keyPrefix: `thaw:${library}:` }), key: 'id' },
          );
          await create({ id: randomUUID() });
          const ids = Array.from({ length: FREEZES }, () => randomUUID());
          for (const id of ids) {
            await freeze();
            await create({ id }).catch((error: Error) => failures.push(error.message));
          }
          expect(failures).toEqual([]);
          expect(ran.slice(1)).toEqual(ids);
        } finally {
          await connected.close();
        }
      },
      30_000,
    );
  });
}
