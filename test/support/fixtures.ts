import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDBStore, type IdempotencyWarning } from '../../src/index.js';
import {
  countCommands,
  countRequests,
  createTable,
  endpoint,
  type RequestCounts,
  type TestTable,
  testClient,
} from './dynamodb.js';

/** A Lambda context whose remaining time the test controls. */
export function lambdaContext(remainingMs: number | (() => number) = 30_000, functionName = 'orders-fn'): Context {
  const remaining = typeof remainingMs === 'function' ? remainingMs : () => remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/29/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}

/** A promise the test resolves or rejects from outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Collects warnings and keeps the test output quiet. */
export function warningSink(): {
  warnings: IdempotencyWarning[];
  onWarning(warning: IdempotencyWarning): void;
  logger: { warn(): void };
} {
  const warnings: IdempotencyWarning[] = [];
  return { warnings, onWarning: (warning) => void warnings.push(warning), logger: { warn: () => undefined } };
}

/**
 * How the fixture's store reaches DynamoDB: `lean`, the store's own transport (no `client`), as
 * users get it by default; `sdk`, through an AWS SDK client passed as `client`.
 */
export type Transport = 'lean' | 'sdk';

export interface StoreFixture {
  /** An SDK client on the same endpoint, for tests that read or write the table directly. */
  readonly client: ReturnType<typeof testClient>;
  readonly table: TestTable;
  readonly store: DynamoDBStore;
  readonly transport: Transport;
  /** The store's requests, each counted once whatever its retries. */
  readonly commands: RequestCounts;
  /** Whether the endpoint returns the old item with a failed condition (DynamoDB does, dynalite does not). */
  readonly returnsItemOnConditionFailure: boolean;
  /** The raw item of a record, as DynamoDB holds it. */
  rawItem(id: string): Promise<Record<string, unknown> | undefined>;
  /** Drops the table and stops what counts the store's requests. */
  close(): Promise<void>;
}

/** A fresh table and a store on it; by default the store's own lean transport, as users get it. */
export async function storeFixture(transport: Transport = 'lean'): Promise<StoreFixture> {
  const client = testClient();
  const table = await createTable(client);
  let store: DynamoDBStore;
  let commands: RequestCounts;
  let stopCounting = async (): Promise<void> => undefined;
  if (transport === 'sdk') {
    const counted = testClient();
    commands = countCommands(counted);
    store = new DynamoDBStore({ tableName: table.name, client: counted });
  } else {
    const counter = await countRequests();
    commands = counter;
    stopCounting = counter.stop;
    store = new DynamoDBStore({ tableName: table.name, endpoint: counter.endpoint });
  }
  return {
    client,
    table,
    store,
    transport,
    commands,
    returnsItemOnConditionFailure: await returnsItemOnConditionFailure(client, table.name),
    async rawItem(id) {
      const output = await client.send(
        new GetItemCommand({ TableName: table.name, Key: { id: { S: id } }, ConsistentRead: true }),
      );
      return output.Item;
    },
    async close() {
      await table.drop();
      await stopCounting();
    },
  };
}

/**
 * The store fixture of a test file (or of the `describe` that calls it): a fresh table and a store
 * on it, made in a `beforeAll` and dropped in an `afterAll` that this registers. The fixture it
 * returns reads through to that one; use it inside tests and hooks, once the `beforeAll` has run.
 */
export function useStoreFixture(transport: Transport = 'lean'): StoreFixture {
  let current: StoreFixture | undefined;
  beforeAll(async () => {
    current = await storeFixture(transport);
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  const fixture = (): StoreFixture => {
    if (current === undefined) throw new Error('The store fixture exists inside tests and hooks, after its beforeAll.');
    return current;
  };
  return {
    get client() {
      return fixture().client;
    },
    get table() {
      return fixture().table;
    },
    get store() {
      return fixture().store;
    },
    transport,
    get commands() {
      return fixture().commands;
    },
    get returnsItemOnConditionFailure() {
      return fixture().returnsItemOnConditionFailure;
    },
    rawItem: (id) => fixture().rawItem(id),
    close: () => fixture().close(),
  };
}

/**
 * Whether the endpoint behind `client` returns the existing item with a failed condition
 * (`ReturnValuesOnConditionCheckFailure`): DynamoDB does, dynalite does not. Where it does, a
 * duplicate's claim needs no fallback GetItem, so tests that count or fault that read ask first.
 */
export async function returnsItemOnConditionFailure(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const Item = { id: { S: `probe-${randomUUID()}` } };
  await client.send(new PutItemCommand({ TableName: tableName, Item }));
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item,
        ConditionExpression: 'attribute_not_exists(id)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    throw new Error('the probe write should have failed its condition');
  } catch (error) {
    return (error as { Item?: unknown }).Item !== undefined;
  }
}

export function uniqueKey(): string {
  return `key-${randomUUID()}`;
}

/** What a store needs to reach the test endpoint on `transport`: an endpoint, or an SDK client. */
export function transportOptions(
  transport: Transport,
): { readonly endpoint: string } | { readonly client: ReturnType<typeof testClient> } {
  return transport === 'sdk' ? { client: testClient() } : { endpoint: endpoint() };
}

/** How `work` settled and how long it took, in wall-clock milliseconds. */
export async function timed<T>(work: Promise<T>): Promise<{ value?: T; error?: unknown; elapsedMs: number }> {
  const started = performance.now();
  try {
    return { value: await work, elapsedMs: performance.now() - started };
  } catch (error) {
    return { error, elapsedMs: performance.now() - started };
  }
}
