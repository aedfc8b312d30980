import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { InProgressError, makeIdempotent, StoreError } from '../../../src/index.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../../support/redis-server.js';
import { TcpFaultProxy } from '../../support/tcp-fault-proxy.js';
import { CLIENT_LIBRARIES, type ConnectedClient, connectClient, untilReachable } from '../../support/valkey-clients.js';

/**
 * The faults a Valkey store meets, on a server these tests own (they restart it, flush its script
 * cache, put a proxy in front of it): each ends in a typed StoreError with the cause, or is ridden
 * out, and never in a second execution of the handler.
 */
const availability = redisAvailability();
// These tests restart and reconfigure their server: they never run against REDIS_URL.
const runnable = availability.available && availability.external === undefined;
const skipReason = availability.available
  ? { available: false as const, reason: 'REDIS_URL is set; these tests need a server they own' }
  : availability;

const PREFIX = 'faults:';
const recordKey = (fn: string, key: string) => `${PREFIX}${fn}#${hashMaterial(key)}`;

describe.skipIf(!runnable)(titled('ValkeyStore faults', runnable ? availability : skipReason), () => {
  let server: RedisServer;
  let admin: ConnectedClient;
  const raw = (args: string[]) => (admin.client as { sendCommand(args: string[]): Promise<unknown> }).sendCommand(args);
  beforeAll(async () => {
    server = await startRedisServer({ durable: true });
    admin = await connectClient('node-redis', server.url);
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  describe.each(CLIENT_LIBRARIES)('over %s', (library) => {
    let connected: ConnectedClient;
    let store: ValkeyStore;
    beforeAll(async () => {
      connected = await connectClient(library, server.url, { timeoutMs: 500 });
      store = new ValkeyStore({ client: connected.client, keyPrefix: PREFIX });
    });
    afterAll(async () => {
      await connected?.close();
    });

    it('reloads the scripts once after SCRIPT FLUSH mid-invocation and completes the record', async () => {
      let executions = 0;
      const charge = makeIdempotent(
        async function flushed(_request: { id: string }) {
          executions++;
          await raw(['SCRIPT', 'FLUSH']);
          return 'charged';
        },
        { store, key: 'id', keyPrefix: 'flushed' },
      );
      const id = randomUUID();
      expect(await charge({ id })).toBe('charged');
      await raw(['SCRIPT', 'FLUSH']);
      expect(await charge({ id })).toBe('charged');
      expect(executions).toBe(1);
      expect(await store.get(`flushed#${hashMaterial(id)}`)).toMatchObject({ status: 'COMPLETED' });
    });

    it('refuses a key holding someone else’s data (WRONGTYPE) without running the handler or touching it', async () => {
      const id = randomUUID();
      const key = recordKey('wrongType', id);
      await raw(['SET', key, 'not ours']);
      let executions = 0;
      const charge = makeIdempotent(
        async function wrongType(_request: { id: string }) {
          executions++;
        },
        { store, key: 'id', keyPrefix: 'wrongType' },
      );
      const error = await charge({ id }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/not an idempotency record/);
      expect(String((error as StoreError).cause)).toMatch(/WRONGTYPE/);
      expect(executions).toBe(0);
      expect(await raw(['GET', key])).toBe('not ours');
    });

    it('keeps a claim across a server restart mid-invocation (append-only file) and completes it', async () => {
      let executions = 0;
      const charge = makeIdempotent(
        async function restarted(_request: { id: string }) {
          executions++;
          await server.restart();
          await untilReachable(store, ['probe'], 10_000);
          return 'after restart';
        },
        { store, key: 'id' },
      );
      const id = randomUUID();
      expect(await charge({ id })).toBe('after restart');
      expect(await charge({ id })).toBe('after restart');
      expect(executions).toBe(1);
      await admin.close();
      admin = await connectClient('node-redis', server.url);
    });

    it('turns a closed client into a StoreError naming it, before any request', async () => {
      const closing = await connectClient(library, server.url);
      const closedStore = new ValkeyStore({ client: closing.client, keyPrefix: PREFIX });
      await closing.close();
      let executions = 0;
      const charge = makeIdempotent(
        async function closedClient(_request: { id: string }) {
          executions++;
        },
        { store: closedStore, key: 'id' },
      );
      const error = await charge({ id: randomUUID() }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/not connected|closed/i);
      expect(executions).toBe(0);
    });
  });

  describe('READONLY from a replica', () => {
    let replica: RedisServer;
    let client: ConnectedClient;
    beforeAll(async () => {
      replica = await startRedisServer({ replicaOf: server });
      client = await connectClient('ioredis', replica.url);
    });
    afterAll(async () => {
      await client?.close();
      await replica?.stop();
    });

    it('is a StoreError that points at the primary endpoint; the handler does not run', async () => {
      const store = new ValkeyStore({ client: client.client, keyPrefix: PREFIX });
      let executions = 0;
      const charge = makeIdempotent(
        async function onReplica(_request: { id: string }) {
          executions++;
        },
        { store, key: 'id' },
      );
      const error = await charge({ id: randomUUID() }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/read-only replica.*primary/);
      expect(String((error as StoreError).cause)).toMatch(/READONLY/);
      expect(executions).toBe(0);
    });
  });

  describe.each(CLIENT_LIBRARIES)('through a faulty network, over %s', (library) => {
    let proxy: TcpFaultProxy;
    let connected: ConnectedClient;
    let store: ValkeyStore;
    beforeAll(async () => {
      proxy = await new TcpFaultProxy(server.port).start();
      connected = await connectClient(library, proxy.url, { timeoutMs: 300 });
      store = new ValkeyStore({ client: connected.client, keyPrefix: PREFIX });
    });
    afterAll(async () => {
      await connected?.close();
      await proxy?.stop();
    });

    const handler = (counter: { executions: number }, name: string) =>
      makeIdempotent(
        {
          [name]: async (_request: { id: string }) => {
            counter.executions++;
            return 'ok';
          },
        }[name]!,
        { store, key: 'id' },
      );

    it('a lost claim reply: StoreError, and the applied claim is recognised as ours by its lease', async () => {
      const id = `lost#${randomUUID()}`;
      const now = Date.now();
      const request = { id, lease: 'lease-lost', expiresAt: Math.floor(now / 1000) + 60, inProgressUntil: now + 10_000, now };
      proxy.mode = 'lose-replies';
      await expect(store.claim(request)).rejects.toBeInstanceOf(StoreError);
      proxy.mode = 'pass';
      await untilReachable(store, ['probe'], 10_000);
      const retried = await store.claim(request);
      expect(retried).toMatchObject({ claimed: false, existing: { lease: 'lease-lost', status: 'INPROGRESS' } });
    });

    it('a timeout on the claim: StoreError; a retry finds the claim in progress and does not run', async () => {
      const counter = { executions: 0 };
      const call = handler(counter, 'timedOut');
      const id = randomUUID();
      proxy.mode = 'hold-replies';
      const error = await call({ id }).catch((caught: unknown) => caught);
      proxy.mode = 'pass';
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).operation).toBe('claim');
      proxy.resetConnections();
      await untilReachable(store, ['probe'], 10_000);
      await expect(call({ id })).rejects.toBeInstanceOf(InProgressError);
      expect(counter.executions).toBe(0);
    });

    it('a connection reset: StoreError, the handler does not run, and the client recovers', async () => {
      const counter = { executions: 0 };
      const call = handler(counter, 'reset');
      const id = randomUUID();
      proxy.mode = 'lose-replies';
      const failed = await call({ id }).catch((caught: unknown) => caught);
      proxy.mode = 'pass';
      expect(failed).toBeInstanceOf(StoreError);
      expect(counter.executions).toBe(0);
      await untilReachable(store, ['probe'], 10_000);
      const other = randomUUID();
      expect(await call({ id: other })).toBe('ok');
      expect(await call({ id: other })).toBe('ok');
      expect(counter.executions).toBe(1);
    });
  });
});
