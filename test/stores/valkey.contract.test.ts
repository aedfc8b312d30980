import { toConnection } from '../../src/stores/valkey/connection.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { CLAIM, COMPLETE, EVICT, RELEASE } from '../../src/stores/valkey/scripts.js';
import { redisAvailability, startRedisServer, titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, connectClient, countingClient } from '../support/valkey-clients.js';
import { storeContract } from './contract.js';

const availability = redisAvailability();

// The scripts are cached up front, so the request counts are a warm server's whichever test runs
// first (a script's first EVALSHA on a server costs one EVAL more: NOSCRIPT, then the source).

for (const library of CLIENT_LIBRARIES) {
  storeContract(
    titled(`ValkeyStore over ${library} (redis-server, or REDIS_URL)`, availability),
    async () => {
      const server = availability.available && availability.external ? undefined : await startRedisServer();
      const url = server?.url ?? (availability.available ? availability.external : undefined) ?? '';
      const connected = await connectClient(library, url);
      const direct = toConnection(connected.client)!;
      for (const script of [CLAIM, COMPLETE, RELEASE, EVICT]) await direct.send(['SCRIPT', 'LOAD', script.source], '');
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
