import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { type IdempotencyWarning, makeIdempotent, StoreError } from '../../src/index.js';
import type { ValkeyStore } from '../../src/stores/valkey/index.js';
import { lambdaContext } from '../support/fixtures.js';
import { type ClusterNode, clusterAvailability } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { CLIENT_LIBRARIES } from '../support/valkey-clients.js';
import { observeValkey } from '../support/valkey-record.js';
import { startValkeyClusterHarness, type ValkeyClusterHarness } from './valkey-cluster-harness.js';

/**
 * A primary changes between a claim and its completion, on a real cluster (node timeout 1 s, so a
 * killed primary's replica takes over in about 2 s), for each cluster client:
 * - a manual failover and a slot migration: the completion meets MOVED, the client follows it;
 * - the primary killed after its replica received the claim: the claim survives the failover;
 * - the primary killed before its replica received the claim (the proxy held its replication
 *   stream): the claim is lost with it, a retry runs the handler a second time (the window
 *   docs/valkey.md states), and the first invocation's late completion overwrites nothing.
 */
const availability = clusterAvailability();
const FUNCTION = 'failover-fn';
const context = (): Context => lambdaContext(60_000, FUNCTION);

describe.skipIf(!availability.available).each(CLIENT_LIBRARIES)(
  `${titled('a primary changing during a claim', availability)}, over %s`,
  (library) => {
    let harness: ValkeyClusterHarness;
    beforeAll(async () => {
      harness = await startValkeyClusterHarness({ library, timeoutMs: 1_000, holdMs: 1_500, nodeTimeoutMs: 1_000 });
    }, 60_000);
    afterAll(async () => {
      await harness?.stop();
    });

    /** The handler of one test: counts executions per id and runs `during` inside the first one. */
    function subject(store: ValkeyStore, during: (key: string) => Promise<void>) {
      const executions: string[] = [];
      const warnings: IdempotencyWarning[] = [];
      const handler = makeIdempotent(
        async function failover(event: { id: string }, _context: Context) {
          const execution = executions.push(event.id);
          if (execution === 1) await during(keyOf(store, event.id));
          return { id: event.id, execution };
        },
        { store, key: 'id', onWarning: (warning) => warnings.push(warning) },
      );
      return { handler, executions, warnings };
    }

    const ownerOf = async (key: string) => harness.cluster.primaryOf(await harness.cluster.slotOf(key));
    const observe = async (key: string) => observeValkey((await ownerOf(key)).admin, key);

    it.each([
      ['a manual failover (CLUSTER FAILOVER on its replica)', 'failover'],
      ['a slot migration to another primary', 'migrate'],
    ] as const)(
      '%s between claim and completion: the completion follows MOVED, one execution, duplicates replay',
      async (_title, move) => {
        const { handler, executions, warnings } = subject(harness.store, async (key) => {
          const owner = await ownerOf(key);
          if (move === 'failover') await harness.cluster.failover((await harness.cluster.replicasOf(owner))[0]!);
          else await harness.cluster.migrateSlot(await harness.cluster.slotOf(key), await otherPrimary(owner));
          expect(await ownerOf(key)).not.toBe(owner);
        });
        const id = randomUUID();
        expect(await handler({ id }, context())).toEqual({ id, execution: 1 });
        expect(await handler({ id }, context())).toEqual({ id, execution: 1 });
        expect(executions).toEqual([id]);
        expect(warnings).toEqual([]);
        expect(await observe(keyOf(harness.store, id))).toMatchObject({ status: 'COMPLETED', result: { id, execution: 1 } });
      },
    );

    it('the primary killed after its replica received the claim: the claim survives, its completion lands on the promoted replica, one execution', async () => {
      let killed: ClusterNode | undefined;
      const { handler, executions, warnings } = subject(harness.store, async (key) => {
        killed = await ownerOf(key);
        await harness.cluster.replicated(killed);
        await killed.kill();
        await harness.cluster.waitHealthy();
        expect(await ownerOf(key)).not.toBe(killed);
      });
      const id = randomUUID();
      try {
        expect(await handler({ id }, context())).toEqual({ id, execution: 1 });
        // The claim was there for the completion to find, on the promoted replica; the client
        // found the new primary within the engine's three tries (node-redis: after it rediscovered).
        expect(await observe(keyOf(harness.store, id))).toMatchObject({ status: 'COMPLETED', result: { id, execution: 1 } });
        expect(await handler({ id }, context())).toEqual({ id, execution: 1 });
        expect(executions).toEqual([id]);
        expect(warnings).toEqual([]);
      } finally {
        await killed?.start();
        await harness.cluster.waitHealthy();
      }
    });

    it('the primary killed before its replica received the claim: the claim is lost, a retry runs again, the late completion overwrites nothing', async () => {
      let killed: ClusterNode | undefined;
      const retryId = { value: '' };
      const retried: unknown[] = [];
      const { handler, executions, warnings } = subject(harness.store, async (key) => {
        killed = await ownerOf(key);
        await killed.kill();
        await harness.cluster.waitHealthy();
        // The retry Lambda makes while the first invocation still runs: the promoted replica has
        // no record. (A client still learning the new topology fails it first: Lambda retries.)
        retried.push(await retryingStoreErrors(() => handler({ id: retryId.value }, context())));
      });
      const id = randomUUID();
      retryId.value = id;
      const owner = await ownerOf(keyOf(harness.store, id));
      harness.proxyOf(owner).holdReplication(true);
      try {
        expect(await handler({ id }, context())).toEqual({ id, execution: 1 });
        expect(retried).toEqual([{ id, execution: 2 }]);
        expect(executions).toEqual([id, id]);
        // The first invocation's completion found the retry's lease: reported, not written.
        expect(warnings.map((warning) => [warning.name, (warning as { operation?: string }).operation])).toEqual([
          ['LeaseLostError', 'complete'],
        ]);
        expect(await observe(keyOf(harness.store, id))).toMatchObject({ status: 'COMPLETED', result: { id, execution: 2 } });
      } finally {
        harness.proxyOf(owner).holdReplication(false);
        await killed?.start();
        await harness.cluster.waitHealthy();
      }
    });

    async function otherPrimary(owner: ClusterNode): Promise<ClusterNode> {
      const other = (await harness.cluster.primaries()).find((primary) => primary !== owner);
      if (!other) throw new Error('no other primary');
      return other;
    }
  },
);

/** Lambda's retries of an invocation that failed with a StoreError, a few of them. */
async function retryingStoreErrors<T>(invoke: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await invoke();
    } catch (error) {
      if (!(error instanceof StoreError) || attempt === 3) throw error;
      await sleep(200);
    }
  }
}

function keyOf(store: ValkeyStore, id: string): string {
  return store.keyOf(`${FUNCTION}#${hashMaterial(id)}`);
}
