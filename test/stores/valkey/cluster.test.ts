import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { makeIdempotent } from '../../../src/index.js';
import { toConnection } from '../../../src/stores/valkey/connection.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { CLAIM, COMPLETE, EVICT, RELEASE } from '../../../src/stores/valkey/scripts.js';
import { pool } from '../../reliability/harness.js';
import { lambdaContext } from '../../support/fixtures.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import { titled } from '../../support/redis-server.js';
import { CLIENT_LIBRARIES, type ClientLibrary } from '../../support/valkey-clients.js';
import { connectByRecipe, type RecipeClient } from './recipes.js';

/**
 * What cluster mode asks of the store beyond the contract: every command and every script touches
 * one key, so one slot (no CROSSSLOT, no key a script builds itself, which ElastiCache Serverless
 * refuses); any keyPrefix works, with or without a {hash tag}; many concurrent invocations over keys
 * spread across the primaries each run once.
 */
const availability = clusterAvailability();

describe('the scripts name their one key in KEYS', () => {
  it.each([CLAIM, COMPLETE, RELEASE, EVICT].map((script) => [script.name, script] as const))(
    '%s: reads KEYS[1] only, and every redis.call is on that key',
    (_name, script) => {
      expect(script.source.match(/KEYS\[\d+\]/g)).toEqual(['KEYS[1]']);
      expect(script.source).toMatch(/^local key = KEYS\[1\]$/m);
      const calls = [...script.source.matchAll(/redis\.call\('(\w+)',\s*([^,)]+)/g)];
      expect(calls.length).toBeGreaterThan(0);
      for (const [, , keyArgument] of calls) expect(keyArgument).toBe('key');
    },
  );
});

describe.skipIf(!availability.available)(titled('ValkeyStore on a Redis Cluster', availability), () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const connect = (library: ClientLibrary) => connectByRecipe(library, 'cluster', cluster.seeds[0]!.host, cluster.seeds[0]!.port);

  it('refuses what the store never sends: two keys in two slots (CROSSSLOT), a script touching a key it was not given', async () => {
    // The negative controls: the server does catch both, so the checks below can fail.
    const admin = (await cluster.primaryOf(await cluster.slotOf('a'))).admin;
    await expect(admin.call('EVAL', "return redis.call('GET', KEYS[1])", '2', 'a', 'b')).rejects.toThrow(/CROSSSLOT/);
    const elsewhere = await keyOnAnotherPrimary('a');
    await expect(admin.call('EVAL', `return redis.call('GET', '${elsewhere}')`, '1', 'a')).rejects.toThrow(/non local key|MOVED/);
  });

  describe.each(CLIENT_LIBRARIES)('over %s', (library) => {
    let connected: RecipeClient;
    beforeAll(async () => {
      connected = await connect(library);
    });
    afterAll(async () => {
      await connected?.close();
    });

    it('sends every command and script call of claim, duplicate, takeover, complete, release and evict to one key on its slot owner, at once (no MOVED)', async () => {
      const store = new ValkeyStore({ client: connected.client });
      const id = `slots#${randomUUID()}`;
      const key = store.keyOf(id);
      const owner = await cluster.primaryOf(await cluster.slotOf(key));
      const primaries = await cluster.primaries();
      const watching = await Promise.all(primaries.map((primary) => watch(primary.admin)));
      const redirectedBefore = await movedReplies();
      // Flushed so the first script runs go EVALSHA (NOSCRIPT), then EVAL with the source.
      await Promise.all(primaries.map((primary) => primary.admin.call('SCRIPT', 'FLUSH')));
      const now = Date.now();
      const seconds = Math.floor(now / 1000);
      const claim = (lease: string, at: number) =>
        store.claim({ id, lease, expiresAt: seconds + 60, inProgressUntil: at + 1_000, now: at });
      expect(await claim('lease-a', now)).toEqual({ claimed: true });
      expect((await claim('lease-b', now)).claimed).toBe(false);
      expect(await claim('lease-c', now + 5_000)).toEqual({ claimed: true }); // lapsed: the claim script
      expect(await store.complete({ id, lease: 'lease-c', result: { kind: 'text', text: '1' }, expiresAt: seconds + 60 })).toBe(
        true,
      );
      expect(await store.release({ id, lease: 'lease-c' })).toBe(true);
      expect(await claim('lease-d', now)).toEqual({ claimed: true });
      const evicted = await toConnection(connected.client)!.send(['EVAL', EVICT.source, '1', key, 'INPROGRESS', 'lease-d'], key);
      expect(evicted).toBe(1);
      // A client that does not know a command's key sends it to any node, which answers MOVED.
      expect(await movedReplies()).toBe(redirectedBefore);
      await sleep(200);
      const events = watching.map((watcher) => watcher.stop().filter((event) => mentions(event, key)));

      const byNode = primaries.map((primary, index) => [primary, events[index]!] as const);
      for (const [primary, seen] of byNode) expect(seen.length > 0).toBe(primary === owner);
      const seen = events.flat();
      const scriptCalls = seen.filter((event) => event.source === 'lua');
      const clientCommands = seen.filter((event) => event.source !== 'lua');
      expect(new Set(scriptCalls.map((event) => event.args[0]!.toUpperCase()))).toEqual(
        new Set(['GET', 'SET', 'PEXPIREAT', 'DEL']),
      );
      for (const event of scriptCalls) expect(event.args[1]).toBe(key);
      for (const event of clientCommands) expect(keysOf(event.args)).toEqual([key]);
    });

    const prefixes: [string, string, string | undefined, (keys: string[]) => Promise<void>][] = [
      ['no hash tag: records spread over the primaries', 'idempotency:', undefined, spreadOverPrimaries],
      ['a {hash tag}: every record in its slot', '{orders}:', undefined, allInSlotOf('orders')],
      ['an empty {} tag: the whole key is hashed', '{}:', undefined, spreadOverPrimaries],
      ['an unclosed brace: the whole key is hashed', 'app{', undefined, spreadOverPrimaries],
      ['a tag closed by the record scope ("tenant{" + "orders}#…")', 'tenant{', 'orders}', allInSlotOf('orders')],
    ];
    it.each(prefixes)('keyPrefix with %s', async (_title, keyPrefix, scope, placement) => {
      const store = new ValkeyStore({ client: connected.client, keyPrefix });
      const executions = new Map<string, number>();
      const charge = makeIdempotent(
        async function prefixed(event: { id: string }, _context: Context) {
          executions.set(event.id, (executions.get(event.id) ?? 0) + 1);
          return { charged: event.id };
        },
        { store, key: 'id', ...(scope ? { keyPrefix: scope } : {}) },
      );
      const ids = Array.from({ length: 24 }, () => randomUUID());
      for (const id of ids) expect(await charge({ id }, lambdaContext(30_000, 'prefixed'))).toEqual({ charged: id });
      for (const id of ids) expect(await charge({ id }, lambdaContext(30_000, 'prefixed'))).toEqual({ charged: id });
      expect([...executions.values()]).toEqual(ids.map(() => 1));
      const keys = ids.map((id) => store.keyOf(`${scope ?? 'prefixed'}#${hashMaterial(id)}`));
      for (const key of keys) expect(await store.get(key.slice(keyPrefix.length))).toMatchObject({ status: 'COMPLETED' });
      await placement(keys);
    });

    it('keeps two stores whose prefixes share a hash tag, and another application’s key in that slot, apart', async () => {
      const admin = (await cluster.primaryOf(await cluster.slotOf('{idem}'))).admin;
      await admin.call('SET', '{idem}:config', 'theirs');
      const counts = { a: 0, b: 0 };
      const handler = (name: 'a' | 'b') =>
        makeIdempotent(
          async function shared(event: { id: string }, _context: Context) {
            counts[name]++;
            return `${name}:${event.id}`;
          },
          { store: new ValkeyStore({ client: connected.client, keyPrefix: `{idem}:${name}:` }), key: 'id' },
        );
      const [a, b] = [handler('a'), handler('b')];
      const id = randomUUID();
      const context = lambdaContext(30_000, 'shared');
      expect(await a({ id }, context)).toBe(`a:${id}`);
      expect(await b({ id }, context)).toBe(`b:${id}`);
      expect(await a({ id }, context)).toBe(`a:${id}`);
      expect(await b({ id }, context)).toBe(`b:${id}`);
      expect(counts).toEqual({ a: 1, b: 1 });
      expect(await admin.call('GET', '{idem}:config')).toBe('theirs');
    });

    it('runs each of 40 keys once under 240 concurrent invocations spread over the three primaries', async () => {
      const store = new ValkeyStore({ client: connected.client, keyPrefix: `concurrent:${library}:` });
      const executions = new Map<string, number>();
      const place = makeIdempotent(
        async function placeOrder(order: { orderId: string }, _context: Context) {
          const execution = (executions.get(order.orderId) ?? 0) + 1;
          executions.set(order.orderId, execution);
          await sleep(5);
          return { orderId: order.orderId, execution };
        },
        { store, key: 'orderId', waitForInProgress: { timeoutMs: 10_000, initialDelayMs: 10, maxDelayMs: 100 } },
      );
      const keys = Array.from({ length: 40 }, () => randomUUID());
      const schedule = Array.from({ length: 240 }, (_, index) => keys[(index * 7) % keys.length]!);
      const results = await pool(
        32,
        schedule.map((orderId) => () => place({ orderId }, lambdaContext(30_000, 'concurrent'))),
      );
      expect(results).toEqual(schedule.map((orderId) => ({ orderId, execution: 1 })));
      expect([...executions.values()]).toEqual(keys.map(() => 1));
      await spreadOverPrimaries(keys.map((orderId) => store.keyOf(`concurrent#${hashMaterial(orderId)}`)));
    });
  });

  /** MOVED replies every node has sent so far (INFO errorstats). */
  async function movedReplies(): Promise<number> {
    let total = 0;
    for (const node of cluster.nodes) {
      const stats = String(await node.admin.call('INFO', 'errorstats'));
      total += Number(/errorstat_MOVED:count=(\d+)/.exec(stats)?.[1] ?? 0);
    }
    return total;
  }

  async function keyOnAnotherPrimary(key: string): Promise<string> {
    const owner = await cluster.primaryOf(await cluster.slotOf(key));
    for (let index = 0; ; index++) {
      const candidate = `other-${index}`;
      if ((await cluster.primaryOf(await cluster.slotOf(candidate))) !== owner) return candidate;
    }
  }

  async function spreadOverPrimaries(keys: string[]): Promise<void> {
    const owners = new Set(await Promise.all(keys.map(async (key) => cluster.primaryOf(await cluster.slotOf(key)))));
    expect(owners.size).toBe(3);
  }

  function allInSlotOf(tag: string): (keys: string[]) => Promise<void> {
    return async (keys) => {
      const slot = await cluster.slotOf(tag);
      expect(await Promise.all(keys.map((key) => cluster.slotOf(key)))).toEqual(keys.map(() => slot));
    };
  }
});

interface MonitorEvent {
  readonly source: string;
  readonly args: readonly string[];
}

/** Every command a node runs, from clients and from scripts (`MONITOR`), until `stop()`. */
async function watch(admin: Redis): Promise<{ stop(): MonitorEvent[] }> {
  const monitor = await admin.duplicate().monitor();
  const events: MonitorEvent[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => events.push({ source, args }));
  return {
    stop() {
      monitor.disconnect();
      return events;
    },
  };
}

/** Every script call (whatever key it touches: the test is alone on the cluster then), and client commands naming the key. */
function mentions(event: MonitorEvent, key: string): boolean {
  return event.source === 'lua' || event.args.includes(key);
}

/** The keys of the commands the store sends: `SET`/`GET` name theirs first, `EVAL`/`EVALSHA` after `numkeys`. */
function keysOf(args: readonly string[]): string[] {
  const name = args[0]!.toUpperCase();
  if (name === 'EVAL' || name === 'EVALSHA') return args.slice(3, 3 + Number(args[2]));
  return [args[1]!];
}
