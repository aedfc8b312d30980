import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { makeIdempotent, StoreError } from '../../../src/index.js';
import { toConnection, type ValkeyConnection } from '../../../src/stores/valkey/connection.js';
import { ValkeyStore } from '../../../src/stores/valkey/index.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../../support/redis-server.js';
import { type ConnectedClient, cacheStoreScripts, connectClient } from '../../support/valkey-clients.js';

/**
 * What the store writes (one string per record, compressed only above its threshold) and how a
 * claim reaches the server: a plain `SET NX GET` first, the claim script only when needed.
 */
const availability = redisAvailability();

describe.skipIf(!availability.available)(titled('ValkeyStore record layout and claim path', availability), () => {
  let server: RedisServer | undefined;
  let connected: ConnectedClient;
  let sent: string[][];
  let connection: ValkeyConnection;
  const raw = (args: string[]) => connection.send(args, args[1] ?? '');
  const text = async (args: string[]) => Buffer.from((await raw(args)) as Uint8Array).toString('utf8');

  beforeAll(async () => {
    server = availability.available && availability.external ? undefined : await startRedisServer();
    const url = server?.url ?? (availability.available ? availability.external : undefined) ?? '';
    connected = await connectClient('node-redis', url);
    const inner = toConnection(connected.client)!;
    // Cached up front, so the commands each test counts never include a NOSCRIPT reload.
    await cacheStoreScripts((...args) => inner.send(args, ''));
    sent = [];
    connection = {
      send: (args, key) => {
        sent.push(args.map((argument) => (typeof argument === 'string' ? argument : '<bytes>')));
        return inner.send(args, key);
      },
    };
  });
  afterAll(async () => {
    await connected?.close();
    await server?.stop();
  });

  const keyPrefix = `layout:${randomUUID()}:`;
  const recordKey = (scope: string, id: string) => `${keyPrefix}${scope}#${hashMaterial(id)}`;

  it('keeps a record as one string: a header line per field, then the result as stored', async () => {
    const store = new ValkeyStore({ client: connection, keyPrefix });
    const small = makeIdempotent(async (_request: { id: string }) => ({ ok: true }), { store, key: 'id', keyPrefix: 'small' });
    const id = randomUUID();
    await small({ id });
    const key = recordKey('small', id);
    expect(await text(['TYPE', key])).toBe('string');
    const [magic, status, expiration, inProgress, lease, fingerprint, type, payload] = (await text(['GET', key])).split('\n');
    expect({ magic, status, inProgress, fingerprint, type, payload }).toEqual({
      magic: 'idem1',
      status: 'COMPLETED',
      inProgress: '',
      fingerprint: '',
      type: 'text',
      payload: '{"ok":true}',
    });
    expect(Number(expiration)).toBeGreaterThan(Date.now() / 1000);
    expect(lease).toMatch(/^[\w-]{16}$/);
  });

  it('stores results up to 1 KB as text and compresses larger ones, unless compressAboveBytes says otherwise', async () => {
    const store = new ValkeyStore({ client: connection, keyPrefix });
    const sized = (bytes: number, scope: string, compressAboveBytes?: number) =>
      makeIdempotent(async (_request: { id: string }) => 'x'.repeat(bytes - 2), {
        store,
        key: 'id',
        keyPrefix: scope,
        compressAboveBytes,
      });
    const typeOf = async (scope: string, id: string) => (await text(['GET', recordKey(scope, id)])).split('\n')[6];
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    expect(await sized(1024, 'at-1k')({ id: ids[0]! })).toHaveLength(1022);
    expect(await sized(1025, 'over-1k')({ id: ids[1]! })).toHaveLength(1023);
    expect(await sized(600, 'option', 100)({ id: ids[2]! })).toHaveLength(598);
    expect(await typeOf('at-1k', ids[0]!)).toBe('text');
    expect(await typeOf('over-1k', ids[1]!)).toBe('compressed');
    expect(await typeOf('option', ids[2]!)).toBe('compressed');
  });

  it('claims a free key with one plain SET NX GET, and takes over a lapsed claim through the claim script', async () => {
    const store = new ValkeyStore({ client: connection, keyPrefix });
    const id = `takeover#${randomUUID()}`;
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + 60;
    sent = [];
    expect(await store.claim({ id, lease: 'lease-first', expiresAt, inProgressUntil: now + 100, now })).toEqual({
      claimed: true,
    });
    expect(sent.map(([command]) => command)).toEqual(['SET']);
    sent = [];
    const later = now + 200;
    expect(await store.claim({ id, lease: 'lease-second', expiresAt, inProgressUntil: later + 1000, now: later })).toEqual({
      claimed: true,
    });
    expect(sent.map(([command]) => command)).toEqual(['SET', 'EVALSHA']);
    expect(await store.get(id)).toMatchObject({ status: 'INPROGRESS', lease: 'lease-second' });
  });

  it('refuses a hash at the key (another application’s data) without running the handler or touching it', async () => {
    const store = new ValkeyStore({ client: connection, keyPrefix });
    const id = randomUUID();
    const key = recordKey('hashed', id);
    await raw(['HSET', key, 'status', 'COMPLETED', 'owner', 'someone else']);
    let executions = 0;
    const charge = makeIdempotent(
      async (_request: { id: string }) => {
        executions++;
      },
      { store, key: 'id', keyPrefix: 'hashed' },
    );
    const error = await charge({ id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/not an idempotency record/);
    expect(executions).toBe(0);
    expect(await text(['HGET', key, 'owner'])).toBe('someone else');
  });

  // Redis before 7.0 answers SET with both NX and GET by a syntax error. No such server is installed
  // here, so a connection gives that one answer as Redis 6.2 words it; every other command goes to
  // the real server.
  it('falls back to the claim script alone on a server that refuses SET NX GET (Redis 6.2’s reply, emulated)', async () => {
    let refusals = 0;
    const older: ValkeyConnection = {
      send: (args, key) => {
        if (args[0] === 'SET' && args.includes('NX') && args.includes('GET')) {
          refusals++;
          return Promise.reject(new Error('ERR syntax error'));
        }
        return connection.send(args, key);
      },
    };
    const store = new ValkeyStore({ client: older, keyPrefix });
    let executions = 0;
    const charge = makeIdempotent(
      async (request: { id: string }) => {
        executions++;
        return `charged ${request.id}`;
      },
      { store, key: 'id', keyPrefix: 'older' },
    );
    const [first, second] = [randomUUID(), randomUUID()];
    sent = [];
    expect(await charge({ id: first })).toBe(`charged ${first}`);
    expect(await charge({ id: first })).toBe(`charged ${first}`);
    expect(await charge({ id: second })).toBe(`charged ${second}`);
    expect(executions).toBe(2);
    expect(refusals).toBe(1);
    // First key: claim script, complete script; duplicate: claim script; second key: both scripts.
    expect(sent.map(([command]) => command)).toEqual(['EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA', 'EVALSHA']);
  });
});
