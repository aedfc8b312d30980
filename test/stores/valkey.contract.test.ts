import { toConnection } from '../../src/stores/valkey/connection.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { redisAvailability, startRedisServer, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, cacheStoreScripts, connectClient, countingClient } from '../support/valkey-clients.js';
import { storeContract } from './contract.js';

const availability = redisAvailability();

for (const library of CLIENT_LIBRARIES) {
  storeContract(
    titled(`ValkeyStore over ${library} (redis-server, or REDIS_URL)`, availability),
    async () => {
      const server = availability.available && availability.external ? undefined : await startRedisServer();
      const url = server?.url ?? (availability.available ? availability.external : undefined) ?? '';
      const connected = await connectClient(library, url);
      // Cached up front: the request counts are a warm server's, whichever test runs first.
      const direct = toConnection(connected.client)!;
      await cacheStoreScripts((...args) => direct.send(args, ''));
      const counted = countingClient(connected.client);
      return {
        store: new ValkeyStore({ client: counted.client, keyPrefix: `contract:${library}:` }),
        requests: counted.answered,
        duplicateRequests: 1,
        stop: async () => {
          await connected.close();
          await server?.stop();
        },
      };
    },
    { skip: !availability.available },
  );
}
