import type { IdempotencyWarning } from '../../src/index.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { CLAIM, COMPLETE, RELEASE } from '../../src/stores/valkey/scripts.js';
import { Ledger } from '../support/idempotency-model.js';
import { type ClusterNode, type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { type ClientLibrary, type ConnectedClient, connectClusterClient, untilReachable } from '../support/valkey-clients.js';
import { ValkeyFaultProxy, type ValkeyFaultRule, ValkeyFaultRules } from '../support/valkey-fault-proxy.js';
import { observeValkey } from '../support/valkey-record.js';
import { type ContainerOptions, reliabilityEngine, reliabilityRecordId, type StoreHarness } from './harness.js';

/**
 * The reliability harness over a Redis Cluster (3 primaries + 3 replicas, append-only files): a
 * fault proxy in front of every node, which the node announces as its address, so clients (and
 * replicas) reach it only through the proxy; the rules are shared, so `nth` counts across nodes.
 * A cluster client of the library under test with a short timeout, a patient ioredis Cluster for
 * fault-free steps, and the slot owner's own port for reading records past the faults.
 */
export interface ValkeyClusterHarness extends StoreHarness<ValkeyFaultRule> {
  readonly cluster: RedisCluster;
  /** The proxy in front of each node, in the order of `cluster.nodes`. */
  readonly proxies: readonly ValkeyFaultProxy[];
  /** The store under faults (the library under test). */
  readonly store: ValkeyStore;
  proxyOf(node: ClusterNode): ValkeyFaultProxy;
  keyOf(id: string): string;
}

export interface ValkeyClusterHarnessOptions {
  readonly library: ClientLibrary;
  /** The faulty client's command timeout. */
  readonly timeoutMs: number;
  /** How long a `timeout` fault holds a reply (longer than `timeoutMs`). */
  readonly holdMs: number;
  /** The cluster's node timeout: small for the tests that kill a primary. Default 15 s. */
  readonly nodeTimeoutMs?: number;
  readonly seed?: number;
}

export async function startValkeyClusterHarness(options: ValkeyClusterHarnessOptions): Promise<ValkeyClusterHarness> {
  const rules = new ValkeyFaultRules(options.seed);
  const proxies = new Map<ClusterNode, ValkeyFaultProxy>();
  let started: RedisCluster | undefined;
  const live = () => {
    if (!started) throw new Error('the cluster is still starting');
    return started;
  };
  const cluster = await startRedisCluster({
    nodeTimeoutMs: options.nodeTimeoutMs,
    front: async (node) => {
      const proxy = await new ValkeyFaultProxy({
        upstreamPort: node.port,
        holdMs: options.holdMs,
        rules,
        restartServer: () => node.restart(),
        flushScripts: async () => void (await node.admin.call('SCRIPT', 'FLUSH')),
        failover: async () => {
          const [replica] = await live().replicasOf(node);
          if (!replica) throw new Error(`node ${node.port} has no replica to fail over to`);
          await live().failover(replica);
        },
        migrateSlot: async (key) => {
          const slot = await live().slotOf(key);
          const owner = await live().primaryOf(slot);
          const target = (await live().primaries()).find((primary) => primary !== owner);
          if (!target) throw new Error('no other primary to move a slot to');
          await live().migrateSlot(slot, target);
        },
      }).start();
      proxies.set(node, proxy);
      return proxy.port;
    },
  });
  started = cluster;
  // A start that had to pick fresh ports (see onFreshPorts) left the fronts of its first nodes behind.
  for (const [node, proxy] of proxies) {
    if (cluster.nodes.includes(node)) continue;
    proxies.delete(node);
    await proxy.stop();
  }
  const faulty: ConnectedClient = await connectClusterClient(options.library, cluster.seeds, { timeoutMs: options.timeoutMs });
  const calm: ConnectedClient = await connectClusterClient('ioredis', cluster.seeds, { timeoutMs: 10_000 });
  const store = new ValkeyStore({ client: faulty.client });
  const calmStore = new ValkeyStore({ client: calm.client });
  const warnings: IdempotencyWarning[] = [];
  const engineOver = (over: ValkeyStore, engineOptions: ContainerOptions) => reliabilityEngine(over, engineOptions, warnings);
  const ordered = cluster.nodes.map((node) => proxies.get(node)!);
  const ownerOf = async (key: string) => cluster.primaryOf(await cluster.slotOf(key));
  return {
    cluster,
    proxies: ordered,
    store,
    ledger: new Ledger(),
    warnings,
    recordId: reliabilityRecordId,
    keyOf: (id) => store.keyOf(id),
    proxyOf: (node) => proxies.get(node)!,
    observe: async (id) => {
      // After a restart the node refuses commands (CLUSTERDOWN) until it has heard from the others.
      await cluster.waitHealthy();
      return observeValkey((await ownerOf(store.keyOf(id))).admin, store.keyOf(id));
    },
    inject: (rule) => rules.inject(rule),
    drain: async () => void (await Promise.all(ordered.map((proxy) => proxy.drain()))),
    faultsInjected: () => rules.faultsInjected(),
    async beforeStep() {
      // A restart or failover an earlier step caused has settled: every replica in sync again.
      await cluster.waitHealthy();
      // A fault meant for a script must hit it, not an EVALSHA answered NOSCRIPT by a node that
      // restarted or was promoted (SCRIPT FLUSH is a fault of its own).
      for (const node of cluster.nodes.filter((candidate) => candidate.running())) {
        for (const script of [CLAIM, COMPLETE, RELEASE]) await node.admin.call('SCRIPT', 'LOAD', script.source);
      }
      const probes = await probeIds(cluster, store);
      await Promise.all([untilReachable(store, probes), untilReachable(calmStore, probes)]);
    },
    container: (engineOptions) => ({ faulty: engineOver(store, engineOptions), calm: engineOver(calmStore, engineOptions) }),
    async stop() {
      await faulty.close();
      await calm.close();
      await Promise.all(ordered.map((proxy) => proxy.stop()));
      await cluster.stop();
    },
  };
}

/** One record id per primary, so a probe reaches every node the next step may talk to. */
async function probeIds(cluster: RedisCluster, store: ValkeyStore): Promise<string[]> {
  const primaries = await cluster.primaries();
  const ids = new Map<ClusterNode, string>();
  for (let index = 0; ids.size < primaries.length && index < 1_000; index++) {
    const id = `reachable-${index}`;
    const owner = await cluster.primaryOf(await cluster.slotOf(store.keyOf(id)));
    if (!ids.has(owner)) ids.set(owner, id);
  }
  return [...ids.values()];
}
