import { Redis } from 'ioredis';
import type { IdempotencyWarning } from '../../src/index.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { Ledger } from '../support/idempotency-model.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import {
  type ClientLibrary,
  type ConnectedClient,
  cacheStoreScripts,
  connectClient,
  untilReachable,
} from '../support/valkey-clients.js';
import { ValkeyFaultProxy, type ValkeyFaultRule } from '../support/valkey-fault-proxy.js';
import { observeValkey } from '../support/valkey-record.js';
import { type ContainerOptions, reliabilityEngine, reliabilityRecordId, type StoreHarness } from './harness.js';

/**
 * The reliability harness over a Valkey store: a redis-server of its own (by default with an
 * append-only file fsynced on every write, so a restart keeps what it acknowledged), the command-aware fault proxy in front
 * of it, a store whose client talks through the proxy with a short timeout, a patient one for
 * fault-free steps, and a direct connection that reads records past the faults.
 */
export interface ValkeyHarness extends StoreHarness<ValkeyFaultRule> {
  readonly server: RedisServer;
  readonly proxy: ValkeyFaultProxy;
  /** The key the store keeps a record id under, for rules that target one record. */
  keyOf(id: string): string;
}

export interface ValkeyHarnessOptions {
  /** The client library of the store under faults. Default ioredis. */
  readonly library?: ClientLibrary;
  /** The faulty client's command timeout. */
  readonly timeoutMs: number;
  /** How long a `timeout` fault holds a reply (longer than `timeoutMs`). */
  readonly holdMs: number;
  readonly seed?: number;
  /** Whether the server keeps an append-only file fsynced on every write. Default true. */
  readonly durable?: boolean;
}

export async function startValkeyHarness(options: ValkeyHarnessOptions): Promise<ValkeyHarness> {
  const server = await startRedisServer({ durable: options.durable ?? true });
  // Queues its commands while the server restarts, and never gives up on them.
  const direct = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 });
  direct.on('error', () => undefined);
  const proxy = await new ValkeyFaultProxy({
    upstreamPort: server.port,
    holdMs: options.holdMs,
    seed: options.seed,
    restartServer: () => server.restart(),
    flushScripts: async () => void (await direct.call('SCRIPT', 'FLUSH')),
  }).start();
  const faulty: ConnectedClient = await connectClient(options.library ?? 'ioredis', proxy.url, { timeoutMs: options.timeoutMs });
  const calmClient = new Redis(proxy.url, { commandTimeout: 10_000, retryStrategy: () => 20 });
  calmClient.on('error', () => undefined);
  const store = new ValkeyStore({ client: faulty.client });
  const calmStore = new ValkeyStore({ client: calmClient });
  const warnings: IdempotencyWarning[] = [];
  const engineOver = (over: ValkeyStore, engineOptions: ContainerOptions) => reliabilityEngine(over, engineOptions, warnings);
  return {
    server,
    proxy,
    ledger: new Ledger(),
    warnings,
    recordId: reliabilityRecordId,
    keyOf: (id) => store.keyOf(id),
    observe: (id) => observeValkey(direct, store.keyOf(id)),
    inject: (rule) => proxy.inject(rule),
    drain: () => proxy.drain(),
    faultsInjected: () => proxy.faultsInjected(),
    async beforeStep() {
      // A fault meant for a claim must hit the script that claims, not an EVALSHA answered NOSCRIPT
      // because an earlier restart or flush emptied the cache (SCRIPT FLUSH is a fault of its own).
      await cacheStoreScripts((command, ...args) => direct.call(command, ...args));
      // Both clients back from a restart an earlier step caused.
      await Promise.all([untilReachable(store, ['reachable'], 10_000), untilReachable(calmStore, ['reachable'], 10_000)]);
    },
    container: (engineOptions) => ({ faulty: engineOver(store, engineOptions), calm: engineOver(calmStore, engineOptions) }),
    async stop() {
      await faulty.close();
      calmClient.disconnect();
      direct.disconnect();
      await proxy.stop();
      await server.stop();
    },
  };
}
