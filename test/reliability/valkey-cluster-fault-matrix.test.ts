import { afterAll, beforeAll, describe, it } from 'vitest';
import { clusterAvailability } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary } from '../support/valkey-clients.js';
import { CLUSTER_FAULTS } from '../support/valkey-fault-proxy.js';
import { expectSound } from './fault-story.js';
import { SOAK } from './harness.js';
import { startValkeyClusterHarness, type ValkeyClusterHarness } from './valkey-cluster-harness.js';
import { matrixCells, runMatrix } from './valkey-matrix.js';

/**
 * The Valkey fault matrix on a Redis Cluster (3 primaries + 3 replicas, a fault proxy in front of
 * every node): the single server's five faults on the node that owns the record's slot, plus the
 * two that move the slot while the command is on its way (a manual failover, a slot migration:
 * the node answers MOVED and the client must follow). Those two change the topology, so they are
 * applied once, not on every try. A restarted cluster node takes seconds to serve again (it waits
 * 2 s before accepting writes, its replica resyncs): the default run restarts once per cell, with
 * one client (failover tests cover all four); `npm run soak` runs every cell on all four.
 */
const availability = clusterAvailability();
const LIBRARIES: readonly ClientLibrary[] = SOAK ? CLIENT_LIBRARIES : ['valkey-glide'];
const ONCE_ONLY = SOAK ? (['failover', 'migrate-slot'] as const) : (['failover', 'migrate-slot', 'restart'] as const);

describe.skipIf(!availability.available).each(LIBRARIES)(
  `${titled('Valkey cluster fault matrix', availability)}, over %s`,
  (library) => {
    let harness: ValkeyClusterHarness;
    beforeAll(async () => {
      harness = await startValkeyClusterHarness({ library, timeoutMs: 250, holdMs: 600 });
    }, 60_000);
    afterAll(async () => {
      await harness?.stop();
    });

    it('no double execution, no overwritten result, no stuck claim, for every fault on every request', async () => {
      const cells = matrixCells(CLUSTER_FAULTS, ONCE_ONLY);
      const results = await runMatrix(`Valkey cluster fault matrix (${library})`, [harness], cells, CLUSTER_FAULTS, SOAK ? 3 : 1);
      expectSound(results);
    }, 300_000);
  },
);
