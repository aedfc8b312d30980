import { Logger } from '@valkey/valkey-glide';
import type { ValkeyClient } from '../../../src/stores/valkey/index.js';
import { type ClientLibrary, destroyNodeRedis } from '../../support/valkey-clients.js';
import * as ioredis from './recipes/ioredis.js';
import * as iovalkey from './recipes/iovalkey.js';
import * as nodeRedis from './recipes/node-redis.js';
import * as glide from './recipes/valkey-glide.js';

/** Where a recipe connects: a standalone server, or one seed node of a cluster. */
export type Topology = 'standalone' | 'cluster';

/** A client connected by a docs/valkey.md recipe, ready (connected) and closable. */
export interface RecipeClient {
  readonly client: ValkeyClient;
  close(): Promise<void>;
}

/**
 * Connects a client of `library` with the recipe docs/valkey.md shows for it (the files in
 * recipes/, shown there verbatim), without TLS (the local servers have none).
 */
export async function connectByRecipe(
  library: ClientLibrary,
  topology: Topology,
  host: string,
  port: number,
): Promise<RecipeClient> {
  switch (library) {
    case 'valkey-glide': {
      // Its core logs every server error reply (NOSCRIPT before a script's first EVAL) to stdout.
      Logger.init('off');
      const client =
        topology === 'cluster' ? await glide.connectCluster(host, port, false) : await glide.connect(host, port, false);
      return { client, close: async () => client.close() };
    }
    case 'ioredis':
    case 'iovalkey': {
      const recipe = library === 'ioredis' ? ioredis : iovalkey;
      const client =
        topology === 'cluster' ? await recipe.connectCluster(host, port, false) : await recipe.connect(host, port, false);
      return { client, close: async () => void client.disconnect() };
    }
    case 'node-redis': {
      const client =
        topology === 'cluster' ? await nodeRedis.connectCluster(host, port, false) : await nodeRedis.connect(host, port, false);
      return { client, close: () => destroyNodeRedis(client) };
    }
  }
}
