import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import {
  DynamoDBStore,
  InProgressError,
  LeaseLostError,
  MissingIdempotencyKeyError,
  makeIdempotent,
  PayloadMismatchError,
  ResultNotSerializableError,
  ResultTooLargeError,
  StoreError,
} from '../../src/index.js';
import { countCommands, testClient } from '../support/dynamodb.js';
import { FaultyHttpHandler } from '../support/faulty-http-handler.js';
import { deferred, lambdaContext, manualClock, uniqueKey, useStoreFixture, warningSink } from '../support/fixtures.js';
import { emulateReturnedOldItem } from '../support/return-old-item.js';

interface Order {
  orderId: string;
  amount?: number;
  [field: string]: unknown;
}

/** The engine's default clock-skew margin: a claim is taken over only this long after it lapsed. */
const CLOCK_SKEW_MS = 3_000;

const fixture = useStoreFixture();
beforeEach(() => fixture.commands.reset());

/** A named handler that counts its executions. */
function countingHandler<R>(produce: (order: Order) => R | Promise<R>) {
  const calls: Order[] = [];
  async function createOrder(order: Order, _context?: Context): Promise<R> {
    calls.push(order);
    return produce(order);
  }
  return { createOrder, calls };
}

describe('replay', () => {
  it('replays the stored result to a duplicate without running the handler', async () => {
    const { createOrder, calls } = countingHandler((order) => ({ id: order.orderId, charged: 42, at: 'first' }));
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    const first = await idempotent({ orderId });
    const second = await idempotent({ orderId });

    expect(calls).toHaveLength(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  it('treats {b,a} and {a,b} as the same key', async () => {
    const { createOrder, calls } = countingHandler(() => 'done');
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: (order) => order.customer });
    const orderId = uniqueKey();

    await idempotent({ orderId, customer: { a: orderId, b: { y: 2, x: 1 } } });
    await idempotent({ orderId, customer: { b: { x: 1, y: 2 }, a: orderId } });
    await idempotent({ orderId, customer: { a: orderId, b: { x: 1, y: 3 } } });

    expect(calls).toHaveLength(2);
  });

  it('replays undefined and null results as such', async () => {
    const returnsUndefined = countingHandler(() => undefined);
    const returnsNull = countingHandler(() => null);
    const first = makeIdempotent(returnsUndefined.createOrder, { store: fixture.store, key: 'orderId', keyPrefix: 'undefined' });
    const second = makeIdempotent(returnsNull.createOrder, { store: fixture.store, key: 'orderId', keyPrefix: 'null' });
    const orderId = uniqueKey();

    expect(await first({ orderId })).toBeUndefined();
    expect(await first({ orderId })).toBeUndefined();
    expect(await second({ orderId })).toBeNull();
    expect(await second({ orderId })).toBeNull();
    expect(returnsUndefined.calls).toHaveLength(1);
    expect(returnsNull.calls).toHaveLength(1);
  });

  it('round-trips values a custom serializer knows', async () => {
    const { createOrder } = countingHandler(() => ({ createdAt: new Date('2026-11-29T12:00:00Z') }));
    const serializer = {
      serialize: (value: unknown) =>
        JSON.stringify(value, (_key, field) =>
          typeof field === 'string' && /^\d{4}-\d\d-\d\dT/.test(field) ? `date:${field}` : field,
        ),
      deserialize: (text: string) =>
        JSON.parse(text, (_key, field) =>
          typeof field === 'string' && field.startsWith('date:') ? new Date(field.slice(5)) : field,
        ),
    };
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', serializer });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    const replayed = await idempotent({ orderId });

    expect(replayed.createdAt).toBeInstanceOf(Date);
    expect(replayed.createdAt.toISOString()).toBe('2026-11-29T12:00:00.000Z');
  });

  it('compresses a large result and replays it intact', async () => {
    const lines = Array.from({ length: 3000 }, (_, index) => ({
      line: index,
      sku: `SKU-${index % 50}`,
      description: 'blue widget, boxed',
    }));
    const { createOrder, calls } = countingHandler(() => ({ lines }));
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    const replayed = await idempotent({ orderId });

    expect(calls).toHaveLength(1);
    expect(replayed).toEqual({ lines });
    const [record] = await scanRecords(orderId);
    const stored = (record?.result as { B?: Uint8Array } | undefined)?.B;
    expect(stored).toBeInstanceOf(Uint8Array);
    expect(stored?.byteLength).toBeLessThan(JSON.stringify({ lines }).length / 5);
  });

  it('keeps the record of a 1 KB result under 1 KB, one DynamoDB write unit, by default', async () => {
    const confirmation = {
      items: Array.from({ length: 16 }, (_, index) => ({
        sku: `SKU-${1000 + index}`,
        name: `Widget ${index}`,
        quantity: 1 + (index % 3),
      })),
      shipping: { carrier: 'DHL', service: 'express', address: '12 Harbour Street, 20457 Hamburg' },
    };
    expect(JSON.stringify(confirmation).length).toBeGreaterThan(900);
    const { createOrder } = countingHandler(() => confirmation);
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    expect(await idempotent({ orderId })).toEqual(confirmation);

    const [record] = await scanRecords(orderId);
    // DynamoDB's item size: attribute names plus values (strings and binary by length, numbers about their digits).
    const size = Object.entries(record ?? {}).reduce((total, [name, value]) => {
      const attribute = value as { S?: string; N?: string; B?: Uint8Array };
      const valueSize =
        attribute.S !== undefined ? Buffer.byteLength(attribute.S) : (attribute.B?.byteLength ?? attribute.N?.length ?? 1);
      return total + Buffer.byteLength(name) + valueSize;
    }, 0);
    expect(size).toBeLessThanOrEqual(1024);
  });

  it('keeps the key it computed before the handler ran, even if the handler mutates its input', async () => {
    const { createOrder, calls } = countingHandler((order) => {
      order.orderId = 'changed-by-handler';
      return 'ok';
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    await idempotent({ orderId });

    expect(calls).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('runs the handler exactly once for 50 concurrent invocations with one key', async () => {
    const { createOrder, calls } = countingHandler(async (order) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { receipt: order.orderId };
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => idempotent({ orderId }, lambdaContext())));

    expect(calls).toHaveLength(1);
    const fulfilled = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const rejected = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const outcome of fulfilled) expect(outcome.value).toEqual({ receipt: orderId });
    for (const outcome of rejected) expect(outcome.reason).toBeInstanceOf(InProgressError);
    expect(await idempotent({ orderId }, lambdaContext())).toEqual({ receipt: orderId });
    expect(calls).toHaveLength(1);
  });

  it('with waitForInProgress, all 50 concurrent invocations get the one result', async () => {
    const { createOrder, calls } = countingHandler(async (order) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { receipt: order.orderId };
    });
    const idempotent = makeIdempotent(createOrder, {
      store: fixture.store,
      key: 'orderId',
      waitForInProgress: { timeoutMs: 5_000, initialDelayMs: 25, maxDelayMs: 100 },
    });
    const orderId = uniqueKey();

    const results = await Promise.all(Array.from({ length: 50 }, () => idempotent({ orderId }, lambdaContext())));

    expect(calls).toHaveLength(1);
    expect(new Set(results.map((result) => JSON.stringify(result)))).toEqual(new Set([JSON.stringify({ receipt: orderId })]));
  });

  it('stops waiting when its timeout is over and reports the key in progress', async () => {
    const ownerMayFinish = deferred();
    const { createOrder, calls } = countingHandler(() => ownerMayFinish.promise);
    const idempotent = makeIdempotent(createOrder, {
      store: fixture.store,
      key: 'orderId',
      waitForInProgress: { timeoutMs: 120, initialDelayMs: 20 },
    });
    const orderId = uniqueKey();

    const owner = idempotent({ orderId });
    await waitFor(() => calls.length === 1);
    const started = Date.now();
    await expect(idempotent({ orderId })).rejects.toBeInstanceOf(InProgressError);
    expect(Date.now() - started).toBeLessThan(1_000);
    ownerMayFinish.resolve();
    await owner;
  });

  it('lets a duplicate wait for the owner and replay its result', async () => {
    const release = deferred();
    const { createOrder, calls } = countingHandler(async () => {
      await release.promise;
      return 'owner result';
    });
    const idempotent = makeIdempotent(createOrder, {
      store: fixture.store,
      key: 'orderId',
      waitForInProgress: { timeoutMs: 5000, initialDelayMs: 20 },
    });
    const orderId = uniqueKey();

    const owner = idempotent({ orderId });
    await waitFor(() => calls.length === 1);
    const duplicate = idempotent({ orderId });
    setTimeout(() => release.resolve(), 150);

    expect(await duplicate).toBe('owner result');
    expect(await owner).toBe('owner result');
    expect(calls).toHaveLength(1);
  });
});

describe('failures and expiry', () => {
  it('releases the claim when the handler throws, so the retry runs it again', async () => {
    let attempt = 0;
    const failure = new Error('card declined');
    const { createOrder, calls } = countingHandler(() => {
      attempt++;
      if (attempt === 1) throw failure;
      return 'charged';
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    await expect(idempotent({ orderId })).rejects.toBe(failure);
    expect(await scanRecords(orderId)).toHaveLength(0);
    expect(await idempotent({ orderId })).toBe('charged');
    expect(calls).toHaveLength(2);
  });

  it('runs again once the record has expired', async () => {
    const clock = manualClock();
    let executions = 0;
    const { createOrder } = countingHandler(() => ++executions);
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', ttlSeconds: 60, clock: clock.now });
    const orderId = uniqueKey();

    expect(await idempotent({ orderId })).toBe(1);
    clock.advance(59_000 + CLOCK_SKEW_MS);
    expect(await idempotent({ orderId })).toBe(1);
    clock.advance(2_000);
    expect(await idempotent({ orderId })).toBe(2);
  });

  it('lets an expired in-progress claim be taken over, and the stale owner cannot overwrite the new record', async () => {
    const clock = manualClock();
    const sink = warningSink();
    const staleOwnerMayFinish = deferred();
    const { createOrder, calls } = countingHandler(async () => {
      if (calls.length === 1) {
        await staleOwnerMayFinish.promise;
        return 'stale result';
      }
      return 'new owner result';
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', clock: clock.now, ...sink });
    const orderId = uniqueKey();

    const staleOwner = idempotent({ orderId }, lambdaContext(1_000));
    await waitFor(() => calls.length === 1);
    await expect(idempotent({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);

    clock.advance(1_001 + CLOCK_SKEW_MS);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('new owner result');

    staleOwnerMayFinish.resolve();
    expect(await staleOwner).toBe('stale result');
    expect(sink.warnings.map((warning) => warning.constructor)).toEqual([LeaseLostError]);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('new owner result');
    expect(calls).toHaveLength(2);
  });

  it('does not let a stale owner that fails delete the new owner record', async () => {
    const clock = manualClock();
    const sink = warningSink();
    const staleOwnerMayFail = deferred();
    const { createOrder, calls } = countingHandler(async () => {
      if (calls.length === 1) {
        await staleOwnerMayFail.promise;
        throw new Error('stale owner failed');
      }
      return 'new owner result';
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', clock: clock.now, ...sink });
    const orderId = uniqueKey();

    const staleOwner = idempotent({ orderId }, lambdaContext(1_000));
    await waitFor(() => calls.length === 1);
    clock.advance(1_001 + CLOCK_SKEW_MS);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('new owner result');

    staleOwnerMayFail.resolve();
    await expect(staleOwner).rejects.toThrow('stale owner failed');
    expect(sink.warnings.map((warning) => warning.constructor)).toEqual([LeaseLostError]);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('new owner result');
    expect(calls).toHaveLength(2);
  });

  it('keeps a claim that outlives a short ttlSeconds until its holder could have finished', async () => {
    const clock = manualClock();
    const ownerMayFinish = deferred();
    const { createOrder, calls } = countingHandler(async () => {
      await ownerMayFinish.promise;
      return 'once';
    });
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', ttlSeconds: 1, clock: clock.now });
    const orderId = uniqueKey();

    const owner = idempotent({ orderId }, lambdaContext(10_000));
    await waitFor(() => calls.length === 1);
    clock.advance(5_000);
    await expect(idempotent({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    ownerMayFinish.resolve();
    expect(await owner).toBe('once');
    expect(calls).toHaveLength(1);
  });

  it.each([0, -250])(
    'clamps a context reporting %i ms left to the minimum claim, so the claim is not lapsed at birth',
    async (remainingMs) => {
      const clock = manualClock();
      const hang = deferred<string>();
      let executions = 0;
      const { createOrder } = countingHandler(() => (++executions === 1 ? hang.promise : 'second'));
      const idempotent = makeIdempotent(createOrder, {
        store: fixture.store,
        key: 'orderId',
        clock: clock.now,
        ...warningSink(),
      });
      const orderId = uniqueKey();

      const first = idempotent({ orderId }, lambdaContext(remainingMs));
      await waitFor(() => executions === 1);
      clock.advance(1);
      await expect(idempotent({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
      clock.advance(1_000 + CLOCK_SKEW_MS);
      expect(await idempotent({ orderId }, lambdaContext())).toBe('second');
      hang.resolve('first');
      expect(await first).toBe('first');
    },
  );

  it('lets no duplicate take over a live claim from a container whose clock runs 2 s ahead', async () => {
    const ownerMayFinish = deferred();
    let executions = 0;
    const charge = async (order: Order, _context: Context) => {
      executions++;
      if (executions === 1) await ownerMayFinish.promise;
      return order.orderId;
    };
    const owner = makeIdempotent(charge, { store: fixture.store, key: 'orderId' });
    const aheadClock = () => Date.now() + 2_000;
    const containerAhead = makeIdempotent(charge, { store: fixture.store, key: 'orderId', clock: aheadClock });
    const orderId = uniqueKey();

    const first = owner({ orderId }, lambdaContext(1_500));
    await waitFor(() => executions === 1);
    await expect(containerAhead({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    ownerMayFinish.resolve();
    expect(await first).toBe(orderId);
    expect(executions).toBe(1);
  });

  it('honours a configured clockSkewMs on the takeover of a lapsed claim', async () => {
    const clock = manualClock();
    const hang = deferred<string>();
    let executions = 0;
    const { createOrder } = countingHandler(() => (++executions === 1 ? hang.promise : 'second'));
    const options = { store: fixture.store, key: 'orderId', clock: clock.now, clockSkewMs: 10_000, ...warningSink() };
    const idempotent = makeIdempotent(createOrder, options);
    const orderId = uniqueKey();

    const first = idempotent({ orderId }, lambdaContext(1_000));
    await waitFor(() => executions === 1);
    clock.advance(10_999);
    await expect(idempotent({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    clock.advance(2);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('second');
    hang.resolve('first');
    await first;
  });

  it.each([0, -1])('refuses inProgressTimeoutMs: %i at setup, naming the option', (value) => {
    expect(() => makeIdempotent(async () => 1, { store: fixture.store, inProgressTimeoutMs: value })).toThrow(
      /Option "inProgressTimeoutMs" must be a finite number of at least 1/,
    );
  });
});

describe('lost responses', () => {
  it('recognises a claim applied by DynamoDB whose response was lost as its own', async () => {
    const lossy = new FaultyHttpHandler('PutItem', 'lose-response');
    const store = new DynamoDBStore({ tableName: fixture.table.name, client: testClient({ requestHandler: lossy }) });
    const { createOrder, calls } = countingHandler(() => 'charged once');
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId' });
    const orderId = uniqueKey();

    expect(await idempotent({ orderId })).toBe('charged once');
    expect(lossy.injected).toBe(1);
    expect(calls).toHaveLength(1);
    const [record] = await scanRecords(orderId);
    expect(record?.status).toEqual({ S: 'COMPLETED' });
  });

  it('completes when the response of the completing write was lost', async () => {
    const lossy = new FaultyHttpHandler('UpdateItem', 'lose-response');
    const sink = warningSink();
    const store = new DynamoDBStore({ tableName: fixture.table.name, client: testClient({ requestHandler: lossy }) });
    const { createOrder, calls } = countingHandler(() => 'stored');
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId', ...sink });
    const orderId = uniqueKey();

    expect(await idempotent({ orderId })).toBe('stored');
    expect(await idempotent({ orderId })).toBe('stored');
    expect(lossy.injected).toBe(1);
    expect(calls).toHaveLength(1);
    expect(sink.warnings).toEqual([]);
  });

  it('releases quietly when the response of the releasing delete was lost and the SDK retried it', async () => {
    const lossy = new FaultyHttpHandler('DeleteItem', 'lose-response');
    const sink = warningSink();
    const store = new DynamoDBStore({ tableName: fixture.table.name, client: testClient({ requestHandler: lossy }) });
    let executions = 0;
    const idempotent = makeIdempotent(
      async function chargeCard(_request: { orderId: string }) {
        if (++executions === 1) throw new Error('card declined');
        return 'charged';
      },
      { store, key: 'orderId', ...sink },
    );
    const orderId = uniqueKey();

    await expect(idempotent({ orderId })).rejects.toThrow('card declined');
    expect(lossy.injected).toBe(1);
    expect(sink.warnings).toEqual([]);
    expect(await idempotent({ orderId })).toBe('charged');
    expect(executions).toBe(2);
  });
});

describe('failing writes', () => {
  function faultyStore(operation: string, times: number) {
    const faults = new FaultyHttpHandler(operation, 'throttle', times);
    const client = testClient({ requestHandler: faults, maxAttempts: 1 });
    return { faults, store: new DynamoDBStore({ tableName: fixture.table.name, client }) };
  }

  it('keeps the claim in progress and returns the result when the completing write keeps failing', async () => {
    const clock = manualClock();
    const sink = warningSink();
    const { faults, store } = faultyStore('UpdateItem', 3);
    const { createOrder, calls } = countingHandler(() => 'charged');
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId', clock: clock.now, ...sink });
    const orderId = uniqueKey();

    expect(await idempotent({ orderId }, lambdaContext(5_000))).toBe('charged');
    expect(faults.injected).toBe(3);
    expect(sink.warnings.map((warning) => warning.name)).toEqual(['ResultNotPersistedError']);
    expect(sink.warnings[0]?.cause).toBeInstanceOf(StoreError);
    const [record] = await scanRecords(orderId);
    expect(record?.status).toEqual({ S: 'INPROGRESS' });
    await expect(idempotent({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);

    clock.advance(5_001 + CLOCK_SKEW_MS);
    expect(await idempotent({ orderId }, lambdaContext())).toBe('charged');
    expect(calls).toHaveLength(2);
  });

  it('retries a completing write that fails fewer times than its budget, with no warning', async () => {
    const sink = warningSink();
    const { faults, store } = faultyStore('UpdateItem', 2);
    const { createOrder, calls } = countingHandler(() => 'charged');
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId', ...sink });
    const orderId = uniqueKey();

    expect(await idempotent({ orderId })).toBe('charged');
    expect(await idempotent({ orderId })).toBe('charged');
    expect(faults.injected).toBe(2);
    expect(sink.warnings).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('rethrows the handler error unchanged when releasing the claim fails, and reports the release failure', async () => {
    const sink = warningSink();
    const { store } = faultyStore('DeleteItem', 1);
    const failure = new Error('payment provider down');
    const { createOrder } = countingHandler(() => {
      throw failure;
    });
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId', ...sink });

    await expect(idempotent({ orderId: uniqueKey() })).rejects.toBe(failure);
    expect(sink.warnings.map((warning) => warning.name)).toEqual(['StoreError']);
    expect(sink.warnings[0]?.message).toMatch(/DeleteItem .* failed: ProvisionedThroughputExceededException/);
  });

  it('does not run the handler when the claim cannot be written', async () => {
    const { store } = faultyStore('PutItem', 1);
    const { createOrder, calls } = countingHandler(() => 'never');
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId' });

    const error = await idempotent({ orderId: uniqueKey() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).operation).toBe('PutItem');
    expect(calls).toHaveLength(0);
  });
});

describe('typed errors', () => {
  it('refuses a reused key with another payload and writes nothing', async () => {
    const { createOrder, calls } = countingHandler((order) => `charged ${order.amount}`);
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', payload: 'amount' });
    const orderId = uniqueKey();

    await idempotent({ orderId, amount: 10 });
    const [before] = await scanRecords(orderId);
    fixture.commands.reset();
    const mismatch = await idempotent({ orderId, amount: 99 }).catch((error: unknown) => error);

    expect(mismatch).toBeInstanceOf(PayloadMismatchError);
    expect((mismatch as Error).message).toContain('different payload');
    expect(fixture.commands.counts.get('UpdateItem') ?? 0).toBe(0);
    expect(fixture.commands.counts.get('DeleteItem') ?? 0).toBe(0);
    expect(await scanRecords(orderId)).toEqual([before]);
    expect(await idempotent({ orderId, amount: 10 })).toBe('charged 10');
    expect(calls).toHaveLength(1);
  });

  it('fails with MissingIdempotencyKeyError when the key is missing, sending no request', async () => {
    const { createOrder, calls } = countingHandler(() => 'ran');
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });

    for (const orderId of [undefined, null, '']) {
      const error = await idempotent({ orderId } as unknown as Order).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MissingIdempotencyKeyError);
      expect((error as Error).message).toMatch(/No idempotency key/);
    }
    expect(calls).toHaveLength(0);
    expect(fixture.commands.total()).toBe(0);
  });

  it('runs without idempotency and warns when the key is missing and not required', async () => {
    const sink = warningSink();
    const { createOrder, calls } = countingHandler(() => 'ran');
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', requireKey: false, ...sink });

    await idempotent({} as Order);
    await idempotent({} as Order);

    expect(calls).toHaveLength(2);
    expect(sink.warnings).toHaveLength(2);
    expect(sink.warnings[0]).toBeInstanceOf(MissingIdempotencyKeyError);
    expect(fixture.commands.total()).toBe(0);
  });

  it.each<[string, () => unknown]>([
    ['a BigInt', () => ({ total: 10n })],
    [
      'a cycle',
      () => {
        const node: Record<string, unknown> = {};
        node.self = node;
        return node;
      },
    ],
    ['a function', () => () => 'not data'],
  ])(
    'completes the record with an error marker for an unserializable result (%s); duplicates get the same error',
    async (_name, produce) => {
      const { createOrder, calls } = countingHandler(produce);
      const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
      const orderId = uniqueKey();

      const first = await idempotent({ orderId }).catch((error: unknown) => error);
      const duplicate = await idempotent({ orderId }).catch((error: unknown) => error);

      expect(first).toBeInstanceOf(ResultNotSerializableError);
      expect(duplicate).toBeInstanceOf(ResultNotSerializableError);
      expect((duplicate as Error).message).toBe((first as Error).message);
      expect(calls).toHaveLength(1);
      const [record] = await scanRecords(orderId);
      expect(record?.status).toEqual({ S: 'COMPLETED' });
    },
  );

  it('completes the record with an error marker for a result too large even compressed', async () => {
    const { createOrder, calls } = countingHandler(() => ({ blob: randomBytes(450 * 1024).toString('base64') }));
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    const first = await idempotent({ orderId }).catch((error: unknown) => error);
    const duplicate = await idempotent({ orderId }).catch((error: unknown) => error);

    expect(first).toBeInstanceOf(ResultTooLargeError);
    expect((first as Error).message).toMatch(/bytes/);
    expect(duplicate).toBeInstanceOf(ResultTooLargeError);
    expect(calls).toHaveLength(1);
  });
});

describe('requests per invocation', () => {
  it('costs 2 requests for a first call, 1 for a duplicate (2 where the endpoint does not return the old item)', async () => {
    const { createOrder } = countingHandler(() => 'ok');
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    expect(Object.fromEntries(fixture.commands.counts)).toEqual({ PutItem: 1, UpdateItem: 1 });

    fixture.commands.reset();
    await idempotent({ orderId });
    const expected = fixture.returnsItemOnConditionFailure ? { PutItem: 1 } : { PutItem: 1, GetItem: 1 };
    expect(Object.fromEntries(fixture.commands.counts)).toEqual(expected);
  });

  it('costs 1 request for a duplicate where the endpoint returns the old item with the failed condition', async () => {
    const client = testClient();
    emulateReturnedOldItem(client, fixture.client, fixture.table.name);
    const commands = countCommands(client);
    const store = new DynamoDBStore({ tableName: fixture.table.name, client });
    const { createOrder, calls } = countingHandler((order) => ({ receipt: order.orderId }));
    const idempotent = makeIdempotent(createOrder, { store, key: 'orderId', payload: 'amount' });
    const orderId = uniqueKey();

    await idempotent({ orderId, amount: 1 });
    commands.reset();
    expect(await idempotent({ orderId, amount: 1 })).toEqual({ receipt: orderId });
    expect(Object.fromEntries(commands.counts)).toEqual({ PutItem: 1 });
    await expect(idempotent({ orderId, amount: 2 })).rejects.toBeInstanceOf(PayloadMismatchError);
    expect(calls).toHaveLength(1);
  });

  it('costs 0 requests for a local-cache hit, and goes back to the table once the record expires', async () => {
    const clock = manualClock();
    let executions = 0;
    const { createOrder } = countingHandler(() => ++executions);
    const idempotent = makeIdempotent(createOrder, {
      store: fixture.store,
      key: 'orderId',
      localCache: true,
      ttlSeconds: 10,
      clock: clock.now,
    });
    const orderId = uniqueKey();

    await idempotent({ orderId });
    fixture.commands.reset();
    expect(await idempotent({ orderId })).toBe(1);
    expect(await idempotent({ orderId })).toBe(1);
    expect(fixture.commands.total()).toBe(0);

    clock.advance(11_000 + CLOCK_SKEW_MS);
    expect(await idempotent({ orderId })).toBe(2);
    expect(fixture.commands.total()).toBe(2);
  });

  it('checks the payload on a local-cache hit too', async () => {
    const { createOrder } = countingHandler(() => 'ok');
    const idempotent = makeIdempotent(createOrder, { store: fixture.store, key: 'orderId', payload: 'amount', localCache: true });
    const orderId = uniqueKey();

    await idempotent({ orderId, amount: 1 });
    await expect(idempotent({ orderId, amount: 2 })).rejects.toBeInstanceOf(PayloadMismatchError);
  });
});

/** Polls until a condition holds (a concurrent invocation has reached its handler). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 500) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The raw records whose key material is `orderId`, found by scanning the test table. */
async function scanRecords(orderId: string): Promise<Record<string, unknown>[]> {
  const suffix = `#${hashMaterial(orderId)}`;
  const output = await fixture.client.send(new ScanCommand({ TableName: fixture.table.name, ConsistentRead: true }));
  return (output.Items ?? []).filter((item) => item.id?.S?.endsWith(suffix));
}
