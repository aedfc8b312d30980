import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest, CompleteRequest, IdempotencyStore, ReleaseRequest } from '../../src/engine/index.js';
import { countingStore } from '../../src/engine/outcomes/counting-store.js';
import { makeIdempotent } from '../../src/index.js';
import { ValkeyStore } from '../../src/stores/valkey/index.js';
import { uniqueKey } from '../support/fixtures.js';
import { type RedisServer, redisAvailability, startRedisServer, titled } from '../support/redis-server.js';

/**
 * Every property of the store port. `satisfies` makes the compiler refuse this list the day a
 * property is added to `IdempotencyStore` and not here, so the test below then covers it too.
 */
const PORT_PROPERTIES = {
  maxResultBytes: true,
  compression: true,
  claim: true,
  get: true,
  complete: true,
  release: true,
} as const satisfies Record<keyof IdempotencyStore, true>;

/**
 * A store whose every port property has a value no default could stand in for, read through
 * getters and methods that need the store itself (a private field), plus a property of its own.
 */
class ProbeStore implements IdempotencyStore {
  readonly #calls: Array<[string, unknown]> = [];
  readonly #maxResultBytes = 12_345;
  readonly tableName = 'probe-table';

  get maxResultBytes() {
    return this.#maxResultBytes;
  }

  get compression() {
    return { aboveBytes: this.#maxResultBytes - 1, favour: 'speed' as const };
  }

  get calls() {
    return this.#calls;
  }

  keyOf(id: string): string {
    return `probe:${id}:${this.#maxResultBytes}`;
  }

  async claim(request: ClaimRequest) {
    this.#calls.push(['claim', request]);
    return { claimed: false as const, existing: undefined };
  }

  async get(id: string) {
    this.#calls.push(['get', id]);
    return { id, status: 'COMPLETED' as const, expiresAt: 1 };
  }

  async complete(request: CompleteRequest) {
    this.#calls.push(['complete', request]);
    return false;
  }

  async release(request: ReleaseRequest) {
    this.#calls.push(['release', request]);
    return false;
  }
}

const ARGUMENTS: Record<'claim' | 'get' | 'complete' | 'release', unknown> = {
  claim: { id: 'a#1', lease: 'l', expiresAt: 2, inProgressUntil: 3, now: 4 } satisfies ClaimRequest,
  get: 'a#1',
  complete: { id: 'a#1', lease: 'l', expiresAt: 2, result: { kind: 'undefined' } } satisfies CompleteRequest,
  release: { id: 'a#1', lease: 'l' } satisfies ReleaseRequest,
};

describe('the store the outcome sinks count requests through', () => {
  it.each(Object.keys(PORT_PROPERTIES) as Array<keyof IdempotencyStore>)('keeps the port property %s', async (property) => {
    const store = new ProbeStore();
    const wrapped = countingStore(store);
    const own = store[property];
    if (typeof own !== 'function') {
      expect(wrapped[property]).toEqual(own);
      return;
    }
    const argument = ARGUMENTS[property as keyof typeof ARGUMENTS];
    const method = wrapped[property] as (argument: unknown) => Promise<unknown>;
    expect(await method(argument)).toEqual(await (own as (argument: unknown) => Promise<unknown>).call(store, argument));
    // Sent to the store itself, once through the wrapper and once directly.
    expect(store.calls).toEqual([
      [property, argument],
      [property, argument],
    ]);
  });

  it('forwards what is not part of the port (a store of your own with more to it) to the store itself', () => {
    const store = new ProbeStore();
    const wrapped = countingStore(store) as ProbeStore;
    expect(wrapped.tableName).toBe('probe-table');
    expect(wrapped.keyOf('a#1')).toBe('probe:a#1:12345');
    expect('compression' in wrapped && 'tableName' in wrapped).toBe(true);
  });

  it('wraps a frozen store object too', async () => {
    const probe = new ProbeStore();
    const frozen = Object.freeze<IdempotencyStore>({
      maxResultBytes: 99,
      compression: { aboveBytes: 98, favour: 'size' },
      claim: (request) => probe.claim(request),
      get: (id) => probe.get(id),
      complete: (request) => probe.complete(request),
      release: (request) => probe.release(request),
    });
    const wrapped = countingStore(frozen);
    expect(wrapped.compression).toEqual({ aboveBytes: 98, favour: 'size' });
    expect(wrapped.maxResultBytes).toBe(99);
    expect(await wrapped.release({ id: 'a#1', lease: 'l' })).toBe(false);
    expect(probe.calls).toEqual([['release', { id: 'a#1', lease: 'l' }]]);
  });

  it('hands a read its deadline, as the engine gave it', async () => {
    const deadlines: unknown[] = [];
    const store: IdempotencyStore = {
      maxResultBytes: 1,
      claim: async () => ({ claimed: true }),
      get: async (_id, options) => {
        deadlines.push(options?.deadline);
        return undefined;
      },
      complete: async () => true,
      release: async () => true,
    };
    await countingStore(store).get('a#1', { deadline: 1_234 });
    expect(deadlines).toEqual([1_234]);
  });
});

const availability = redisAvailability();

describe.skipIf(!availability.available)(titled('ValkeyStore compression with and without an outcome sink', availability), () => {
  let server: RedisServer | undefined;
  let client: Redis;
  beforeAll(async () => {
    server = availability.available && availability.external ? undefined : await startRedisServer();
    client = new Redis(server?.url ?? (availability.available ? (availability.external ?? '') : ''));
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  /** The result type line and the payload bytes of a record, exactly as the server holds them. */
  async function storedResult(key: string): Promise<{ type: string; payload: Buffer }> {
    const value = (await client.getBuffer(key)) as Buffer;
    let from = 0;
    const lines: string[] = [];
    for (let line = 0; line < 7; line++) {
      const end = value.indexOf(10, from);
      lines.push(value.toString('utf8', from, end));
      from = end + 1;
    }
    return { type: lines[6] as string, payload: value.subarray(from) };
  }

  it('stores an 800 B result byte for byte alike: the store keeps it as text up to 1 KB, observed or not', async () => {
    const store = new ValkeyStore({ client, keyPrefix: `compression:${uniqueKey()}:` });
    const result = { data: 'x'.repeat(789) };
    expect(JSON.stringify(result)).toHaveLength(800);
    const key = uniqueKey();
    const plain = makeIdempotent(async (_order: { orderId: string }) => result, { store, key: 'orderId', keyPrefix: 'plain' });
    const observed = makeIdempotent(async (_order: { orderId: string }) => result, {
      store,
      key: 'orderId',
      keyPrefix: 'observed',
      onOutcome: () => undefined,
    });
    await plain({ orderId: key });
    await observed({ orderId: key });

    const [plainKey] = await client.keys(`${store.keyPrefix}plain#*`);
    const [observedKey] = await client.keys(`${store.keyPrefix}observed#*`);
    const withoutSink = await storedResult(plainKey as string);
    const withSink = await storedResult(observedKey as string);
    expect(withoutSink.type).toBe('text');
    expect(withSink.type).toBe(withoutSink.type);
    expect(withSink.payload.equals(withoutSink.payload)).toBe(true);
    expect(withSink.payload.toString('utf8')).toBe(JSON.stringify(result));
  });
});
