import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { DynamoDBStore, InProgressError, makeIdempotent, PayloadMismatchError, StoreError } from '../../../src/index.js';
import { countCommands, testClient } from '../../support/dynamodb.js';
import { FaultyHttpHandler } from '../../support/faulty-http-handler.js';
import { lambdaContext, manualClock, uniqueKey, useStoreFixture, warningSink } from '../../support/fixtures.js';
import { emulateReturnedOldItem } from '../../support/return-old-item.js';

// The engine on DynamoDBStore, called as a handler author calls it (makeIdempotent): what only a
// DynamoDB table shows. The record's size and compression, the SDK transport's lost responses and
// throttled writes, and the requests each invocation sends. The engine's rules themselves are
// specified once, on the in-memory store, in test/engine/; the store's port in test/stores/contract.ts.

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

describe('the record DynamoDB stores', () => {
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
});

/** The raw records whose key material is `orderId`, found by scanning the test table. */
async function scanRecords(orderId: string): Promise<Record<string, unknown>[]> {
  const suffix = `#${hashMaterial(orderId)}`;
  const output = await fixture.client.send(new ScanCommand({ TableName: fixture.table.name, ConsistentRead: true }));
  return (output.Items ?? []).filter((item) => item.id?.S?.endsWith(suffix));
}
