import { randomBytes, randomUUID } from 'node:crypto';
import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import {
  CorruptRecordError,
  DynamoDBStore,
  IdempotencyConfigError,
  makeIdempotent,
  ResultTooLargeError,
  StoreError,
} from '../../../src/index.js';
import { createTable, endpoint, type TestTable, testClient } from '../../support/dynamodb.js';
import { transportOptions, uniqueKey, useStoreFixture, warningSink } from '../../support/fixtures.js';

const fixture = useStoreFixture();

async function chargeCard(request: { paymentId: string }) {
  return { charged: request.paymentId };
}

describe('DynamoDBStore conditional writes', () => {
  const lease = 'lease-a';
  const now = Date.now();
  const claim = (id: string, overrides: Partial<Parameters<DynamoDBStore['claim']>[0]> = {}) =>
    fixture.store.claim({ id, lease, expiresAt: Math.floor(now / 1000) + 60, inProgressUntil: now + 1000, now, ...overrides });

  it('claims a new key once; a second claim gets the live record back', async () => {
    const id = `t#${randomUUID()}`;
    expect(await claim(id)).toEqual({ claimed: true });
    const second = await claim(id, { lease: 'lease-b' });
    expect(second.claimed).toBe(false);
    expect(!second.claimed && second.existing).toMatchObject({ id, status: 'INPROGRESS', lease, inProgressUntil: now + 1000 });
  });

  it('applies complete and release only under the lease that holds the record', async () => {
    const id = `t#${randomUUID()}`;
    await claim(id);
    const result = { kind: 'text', text: '"done"' } as const;
    expect(await fixture.store.complete({ id, lease: 'someone-else', result, expiresAt: 1 })).toBe(false);
    expect(await fixture.store.release({ id, lease: 'someone-else' })).toBe(false);
    expect(await fixture.store.complete({ id, lease, result, expiresAt: Math.floor(now / 1000) + 60 })).toBe(true);
    expect(await fixture.store.get(id)).toMatchObject({ status: 'COMPLETED', result, inProgressUntil: undefined });
    expect(await fixture.store.release({ id, lease })).toBe(true);
    expect(await fixture.store.get(id)).toBeUndefined();
  });

  it('never creates a record by completing one that does not exist', async () => {
    const id = `t#${randomUUID()}`;
    expect(await fixture.store.complete({ id, lease, result: { kind: 'undefined' }, expiresAt: 1 })).toBe(false);
    expect(await fixture.store.get(id)).toBeUndefined();
  });
});

describe.each(['lean', 'sdk'] as const)('DynamoDBStore layout, %s transport', (transport) => {
  let table: TestTable;
  const client = testClient();
  beforeAll(async () => {
    table = await createTable(client, { partitionKey: 'pk', sortKey: 'sk' });
  });
  afterAll(async () => {
    await table.drop();
  });

  it('writes renamed attributes under a static partition value in a single-table design', async () => {
    const store = new DynamoDBStore({
      tableName: table.name,
      ...transportOptions(transport),
      sortKey: { attribute: 'sk', partitionValue: 'IDEMPOTENCY' },
      attributes: { partitionKey: 'pk', status: 'state', expiration: 'ttl', lease: 'owner', result: 'data' },
    });
    let executions = 0;
    const charge = makeIdempotent(
      async (request: { paymentId: string }) => {
        executions++;
        return request.paymentId.length;
      },
      { store, key: 'paymentId', keyPrefix: 'payments' },
    );
    const paymentId = uniqueKey();

    expect(await charge({ paymentId })).toBe(paymentId.length);
    expect(await charge({ paymentId })).toBe(paymentId.length);
    expect(executions).toBe(1);

    const { Items = [] } = await client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true }));
    expect(Items).toEqual([
      {
        pk: { S: 'IDEMPOTENCY' },
        sk: { S: `payments#${hashMaterial(paymentId)}` },
        state: { S: 'COMPLETED' },
        ttl: { N: expect.stringMatching(/^\d{10}$/) },
        owner: { S: expect.any(String) },
        data: { S: String(paymentId.length) },
      },
    ]);
  });
});

describe.each(['lean', 'sdk'] as const)('DynamoDBStore errors, %s transport', (transport) => {
  it('names the table when it does not exist, and the handler does not run', async () => {
    const store = new DynamoDBStore({ tableName: 'no-such-idempotency-table', ...transportOptions(transport) });
    let executions = 0;
    const charge = makeIdempotent(
      async function chargeMissing() {
        executions++;
      },
      { store, key: () => 'k' },
    );

    const error = await charge().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('table "no-such-idempotency-table" does not exist');
    expect((error as StoreError).operation).toBe('PutItem');
    expect((error as StoreError).cause).toHaveProperty('name', 'ResourceNotFoundException');
    expect(executions).toBe(0);
  });

  it('refuses an empty table name at setup', () => {
    expect(() => new DynamoDBStore({ tableName: '' })).toThrow(IdempotencyConfigError);
  });

  it('turns DynamoDB refusing an oversized item into an error marker, never a second execution', async () => {
    class TrustingStore extends DynamoDBStore {
      override readonly maxResultBytes = 10 * 1024 * 1024;
    }
    const store = new TrustingStore({ tableName: fixture.table.name, ...transportOptions(transport) });
    let executions = 0;
    const produce = makeIdempotent(
      async function produceBlob(_request: { id: string }) {
        executions++;
        return randomBytes(600 * 1024).toString('base64');
      },
      { store, key: 'id', ...warningSink() },
    );
    const id = uniqueKey();

    await expect(produce({ id })).rejects.toBeInstanceOf(ResultTooLargeError);
    await expect(produce({ id })).rejects.toBeInstanceOf(ResultTooLargeError);
    expect(executions).toBe(1);
  });
});

describe('endpoint selection', () => {
  it('without a client, honours AWS_ENDPOINT_URL_DYNAMODB', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
    try {
      const store = new DynamoDBStore({ tableName: fixture.table.name });
      const charge = makeIdempotent(chargeCard, { store, key: 'paymentId' });
      const paymentId = uniqueKey();
      expect(await charge({ paymentId })).toEqual({ charged: paymentId });
      expect(await fixture.store.get(`default#${hashMaterial(paymentId)}`)).toMatchObject({ status: 'COMPLETED' });
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = previous;
    }
  });
});

describe('corrupt records', () => {
  const future = () => String(Math.floor(Date.now() / 1000) + 3600);
  it.each([
    ['an unknown status', { status: { S: 'DONE' }, expiration: { N: future() } }, /status attribute is "DONE"/],
    ['no status', { expiration: { N: future() } }, /status attribute is undefined/],
    [
      'an expiration of the wrong type',
      { status: { S: 'COMPLETED' }, expiration: { S: 'soon' }, result: { S: '1' } },
      /not a number of epoch seconds/,
    ],
    [
      'a COMPLETED record without result',
      { status: { S: 'COMPLETED' }, expiration: { N: future() } },
      /COMPLETED but has no result/,
    ],
    [
      'a result of a foreign type',
      { status: { S: 'COMPLETED' }, expiration: { N: future() }, result: { N: '1' } },
      /result attribute has a type/,
    ],
    [
      'an undecodable result',
      { status: { S: 'COMPLETED' }, expiration: { N: future() }, result: { S: '{not json' } },
      /cannot be decoded/,
    ],
    [
      'undecompressable bytes',
      { status: { S: 'COMPLETED' }, expiration: { N: future() }, result: { B: new Uint8Array([1, 2, 3]) } },
      /cannot be decoded/,
    ],
    [
      'a lease of the wrong type',
      { status: { S: 'INPROGRESS' }, expiration: { N: future() }, lease: { N: '5' } },
      /lease attribute is not a string/,
    ],
  ])('reports %s as CorruptRecordError and leaves it untouched', async (_name, attributes, message) => {
    const paymentId = uniqueKey();
    const id = `default#${hashMaterial(paymentId)}`;
    const item = { id: { S: id }, ...attributes };
    await fixture.client.send(new PutItemCommand({ TableName: fixture.table.name, Item: item }));
    let executions = 0;
    const charge = makeIdempotent(
      async function chargeCard(request: { paymentId: string }) {
        executions++;
        return request.paymentId;
      },
      { store: fixture.store, key: 'paymentId' },
    );

    const error = await charge({ paymentId }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as Error).message).toMatch(message);
    expect(executions).toBe(0);
    expect(await fixture.rawItem(id)).toEqual(item);
  });
});

describe('configuration errors', () => {
  it.each([
    [
      'both name and keyPrefix',
      () => makeIdempotent(chargeCard, { store: fixture.store, name: 'charge', keyPrefix: 'charges' }),
      /"name" and "keyPrefix" cannot be combined/,
    ],
    ['a non-positive ttlSeconds', () => makeIdempotent(chargeCard, { store: fixture.store, ttlSeconds: 0 }), /"ttlSeconds"/],
    ['a missing store', () => makeIdempotent(chargeCard, {} as never), /"store"/],
    ['an empty keyPrefix', () => makeIdempotent(chargeCard, { store: fixture.store, keyPrefix: '' }), /"keyPrefix"/],
    ['a malformed key path', () => makeIdempotent(chargeCard, { store: fixture.store, key: 'body..id' }), /"key"/],
    [
      'a zero-entry local cache',
      () => makeIdempotent(chargeCard, { store: fixture.store, localCache: { maxEntries: 0 } }),
      /"localCache.maxEntries"/,
    ],
  ])('refuses %s at setup with IdempotencyConfigError', (_name, build, message) => {
    expect(build).toThrow(IdempotencyConfigError);
    expect(build).toThrow(message);
  });
});
