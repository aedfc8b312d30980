import { randomBytes } from 'node:crypto';
import { type AttributeValue, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import {
  CorruptRecordError,
  DynamoDBStore,
  type HttpEvent,
  type HttpIdempotencyOptions,
  HttpProblemType,
  type HttpResponse,
  httpIdempotency,
  IdempotencyConfigError,
  IdempotencyError,
  type IdempotentBatchOptions,
  InvalidIdempotencyKeyError,
  idempotency,
  idempotentBatch,
  type MakeIdempotentOptions,
  MissingIdempotencyKeyError,
  makeIdempotent,
  PayloadMismatchError,
  ResultNotSerializableError,
  ResultTooLargeError,
  StoreError,
  UnstorableResultError,
  UnsupportedEventError,
} from '../../src/index.js';
import { sampleEvent } from '../batch/support.js';
import { headersOf, httpShapes, withBody, withCaller, withHeader, withKey } from '../http/http-events.js';
import { deferred, lambdaContext, useStoreFixture } from '../support/fixtures.js';
import { markdownTable, publish } from './harness.js';

/**
 * Bad input of every kind: each case must fail with a typed error (a subclass of
 * IdempotencyError) whose message names what was wrong, and must leave the table as it should:
 * nothing written, a corrupt record left untouched, or (for a result that cannot be stored) the
 * record completed with an error marker so that duplicates get the same error.
 */

type ErrorClass = abstract new (...args: never[]) => IdempotencyError;

/** What the table must hold for the case's scope afterwards. */
type TableAfter = 'nothing written' | 'left untouched' | 'error marker, duplicate refused' | 'first result kept';

interface Case {
  readonly category: string;
  readonly input: string;
  readonly error: ErrorClass;
  readonly message: RegExp;
  readonly after: TableAfter;
  /** Performs the invocation; must reject. `scope` is this case's own key prefix. */
  act(tools: Tools): Promise<unknown>;
  /** A record to place under the case's key before acting (corrupt or foreign records). */
  readonly seed?: Record<string, unknown>;
}

interface Tools {
  readonly scope: string;
  readonly store: DynamoDBStore;
  readonly context: Context;
  /** Counts executions of the handlers the case builds. */
  executed(): void;
}

const ORDER = 'order-1';
const future = () => Math.floor(Date.now() / 1000) + 3600;

const fixture = useStoreFixture();

/** A named handler wrapped with `makeIdempotent`, keyed on `orderId` unless the case says otherwise. */
function wrapped<R>(
  tools: Tools,
  produce: () => R,
  options: Partial<MakeIdempotentOptions<[{ orderId?: unknown; items?: unknown }, Context]>> = {},
) {
  async function placeOrder(_order: { orderId?: unknown; items?: unknown }, _context: Context) {
    tools.executed();
    return produce();
  }
  return makeIdempotent(placeOrder, {
    store: tools.store,
    key: 'orderId',
    keyPrefix: tools.scope,
    logger: { warn: () => undefined },
    ...options,
  });
}

const keyed = (orderId: unknown) => (tools: Tools) => wrapped(tools, () => 'ok')({ orderId }, tools.context);

function apiEvent(body: string | null): APIGatewayProxyEvent {
  return { body, headers: {}, httpMethod: 'POST', path: '/orders', isBase64Encoded: false } as APIGatewayProxyEvent;
}

/** Middy with the middleware, keyed on the order id inside an API Gateway body. */
function viaMiddy(tools: Tools, event: unknown) {
  const handler = middy(async () => {
    tools.executed();
    return { statusCode: 201, body: '{}' };
  }).use(idempotency({ store: tools.store, key: 'body.orderId', keyPrefix: tools.scope, logger: { warn: () => undefined } }));
  return handler(event as Record<string, unknown>, tools.context);
}

const cyclic = (): unknown => {
  const value: Record<string, unknown> = { name: 'loop' };
  value.self = value;
  return value;
};

/** Runs `act` twice: both must fail the same way, and the handler must have run once. */
const unstorable =
  (produce: () => unknown, options: Partial<MakeIdempotentOptions<[{ orderId?: unknown }, Context]>> = {}) =>
  async (tools: Tools) => {
    const fn = wrapped(tools, produce, options);
    const first = await fn({ orderId: ORDER }, tools.context).catch((error: unknown) => error);
    const duplicate = await fn({ orderId: ORDER }, tools.context).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(UnstorableResultError);
    expect((duplicate as Error).name).toBe((first as Error).name);
    throw first;
  };

/** A foreign or corrupt item at the case's record id, then one invocation. */
const corrupt = (item: Record<string, unknown>) => ({
  seed: item,
  act: keyed(ORDER),
  error: CorruptRecordError,
  after: 'left untouched' as const,
});

const CASES: readonly Case[] = [
  // Events of the wrong shape
  {
    category: 'event',
    input: 'event is null (Middy, key "body.orderId")',
    error: MissingIdempotencyKeyError,
    message: /found undefined \(the input is null\)/,
    after: 'nothing written',
    act: (t) => viaMiddy(t, null),
  },
  {
    category: 'event',
    input: 'event is a number',
    error: MissingIdempotencyKeyError,
    message: /\(the input is a number\)/,
    after: 'nothing written',
    act: (t) => viaMiddy(t, 42),
  },
  {
    category: 'event',
    input: 'API Gateway body is malformed JSON `{"orderId": `',
    error: MissingIdempotencyKeyError,
    message: /\("body" is a string that is not a JSON object or array\)/,
    after: 'nothing written',
    act: (t) => viaMiddy(t, apiEvent('{"orderId": ')),
  },
  {
    category: 'event',
    input: 'API Gateway body is a JSON array',
    error: MissingIdempotencyKeyError,
    message: /\("body" has no "orderId"\)/,
    after: 'nothing written',
    act: (t) => viaMiddy(t, apiEvent('[1,2]')),
  },
  {
    category: 'event',
    input: 'API Gateway body is null',
    error: MissingIdempotencyKeyError,
    message: /\("body" is null\)/,
    after: 'nothing written',
    act: (t) => viaMiddy(t, apiEvent(null)),
  },
  {
    category: 'event',
    input: 'no arguments at all (makeIdempotent)',
    error: MissingIdempotencyKeyError,
    message: /found undefined/,
    after: 'nothing written',
    act: (t) => (wrapped(t, () => 'ok') as unknown as () => Promise<unknown>)(),
  },
  // Keys
  {
    category: 'key',
    input: "key is ''",
    error: MissingIdempotencyKeyError,
    message: /an empty string/,
    after: 'nothing written',
    act: keyed(''),
  },
  {
    category: 'key',
    input: 'key is {}',
    error: MissingIdempotencyKeyError,
    message: /an empty object/,
    after: 'nothing written',
    act: keyed({}),
  },
  {
    category: 'key',
    input: 'key is []',
    error: MissingIdempotencyKeyError,
    message: /an empty array/,
    after: 'nothing written',
    act: keyed([]),
  },
  {
    category: 'key',
    input: 'key is null',
    error: MissingIdempotencyKeyError,
    message: /found null/,
    after: 'nothing written',
    act: keyed(null),
  },
  {
    category: 'key',
    input: 'key selector throws',
    error: MissingIdempotencyKeyError,
    message: /key selector threw: no order here/,
    after: 'nothing written',
    act: (t) =>
      wrapped(t, () => 'ok', {
        key: () => {
          throw new TypeError('no order here');
        },
      })({}, t.context),
  },
  {
    category: 'key',
    input: 'key is a BigInt',
    error: InvalidIdempotencyKeyError,
    message: /bigint cannot be part/,
    after: 'nothing written',
    act: keyed(10n),
  },
  {
    category: 'key',
    input: 'key is a function',
    error: InvalidIdempotencyKeyError,
    message: /function cannot be part/,
    after: 'nothing written',
    act: keyed(() => 1),
  },
  {
    category: 'key',
    input: 'key is a Symbol',
    error: InvalidIdempotencyKeyError,
    message: /symbol cannot be part/,
    after: 'nothing written',
    act: keyed(Symbol('order')),
  },
  {
    category: 'key',
    input: 'key holds NaN',
    error: InvalidIdempotencyKeyError,
    message: /\$\.amount: the number NaN/,
    after: 'nothing written',
    act: keyed({ id: 1, amount: Number.NaN }),
  },
  {
    category: 'key',
    input: 'key holds Infinity',
    error: InvalidIdempotencyKeyError,
    message: /Infinity has no JSON form/,
    after: 'nothing written',
    act: keyed([Number.POSITIVE_INFINITY]),
  },
  {
    category: 'key',
    input: 'key is a Map (JSON would make it {})',
    error: InvalidIdempotencyKeyError,
    message: /a Map has no faithful JSON form/,
    after: 'nothing written',
    act: keyed(new Map([['order', 1]])),
  },
  {
    category: 'key',
    input: 'key holds a Set',
    error: InvalidIdempotencyKeyError,
    message: /\$\.tags: a Set has no faithful JSON form/,
    after: 'nothing written',
    act: keyed({ id: 1, tags: new Set(['a']) }),
  },
  {
    category: 'key',
    input: 'key refers to itself (cycle)',
    error: InvalidIdempotencyKeyError,
    message: /\$\.self: the value refers to itself/,
    after: 'nothing written',
    act: keyed(cyclic()),
  },
  {
    category: 'key',
    input: 'payload selector throws',
    error: InvalidIdempotencyKeyError,
    message: /payload selector threw/,
    after: 'nothing written',
    act: (t) =>
      wrapped(t, () => 'ok', {
        payload: () => {
          throw new Error('bad payload');
        },
      })({ orderId: ORDER }, t.context),
  },
  {
    category: 'key',
    input: 'payload holds a BigInt',
    error: InvalidIdempotencyKeyError,
    message: /bigint cannot be part/,
    after: 'nothing written',
    act: (t) => wrapped(t, () => 'ok', { payload: 'items' })({ orderId: ORDER, items: [1n] }, t.context),
  },
  {
    category: 'key',
    input: 'same key, different payload',
    error: PayloadMismatchError,
    message: /already used with a different payload/,
    after: 'first result kept',
    act: async (t) => {
      const fn = wrapped(t, () => ({ charged: 5 }), { payload: 'items' });
      await fn({ orderId: ORDER, items: ['book'] }, t.context);
      return fn({ orderId: ORDER, items: ['car'] }, t.context);
    },
  },
  // Results
  {
    category: 'result',
    input: 'result is cyclic',
    error: ResultNotSerializableError,
    message: /cannot be serialized: .*circular/i,
    after: 'error marker, duplicate refused',
    act: unstorable(cyclic),
  },
  {
    category: 'result',
    input: 'result holds a BigInt',
    error: ResultNotSerializableError,
    message: /cannot be serialized: .*BigInt/,
    after: 'error marker, duplicate refused',
    act: unstorable(() => ({ total: 10n })),
  },
  {
    category: 'result',
    input: 'result is a function',
    error: ResultNotSerializableError,
    message: /a function has no JSON form/,
    after: 'error marker, duplicate refused',
    act: unstorable(() => () => 1),
  },
  {
    category: 'result',
    input: 'result is a Symbol',
    error: ResultNotSerializableError,
    message: /a symbol has no JSON form/,
    after: 'error marker, duplicate refused',
    act: unstorable(() => Symbol('done')),
  },
  {
    category: 'result',
    input: 'result is 614 KB of random base64',
    error: ResultTooLargeError,
    message: /more than the \d+ bytes one idempotency record can hold/,
    after: 'error marker, duplicate refused',
    act: unstorable(() => randomBytes(450 * 1024).toString('base64')),
  },
  {
    category: 'result',
    input: 'custom serializer throws',
    error: ResultNotSerializableError,
    message: /cannot be serialized: no Dates here/,
    after: 'error marker, duplicate refused',
    act: unstorable(() => new Date(0), {
      serializer: {
        serialize: () => {
          throw new Error('no Dates here');
        },
        deserialize: JSON.parse,
      },
    }),
  },
  // Records in the table that this library did not write
  {
    category: 'record',
    input: 'status is "DONE"',
    message: /status attribute is "DONE", not INPROGRESS or COMPLETED/,
    ...corrupt({ status: 'DONE', expiration: future() }),
  },
  {
    category: 'record',
    input: 'status missing',
    message: /status attribute is undefined/,
    ...corrupt({ expiration: future(), result: '"x"' }),
  },
  {
    category: 'record',
    input: 'expiration missing',
    message: /expiration attribute is not a number/,
    ...corrupt({ status: 'COMPLETED', result: '"x"' }),
  },
  {
    category: 'record',
    input: 'expiration is a string',
    message: /expiration attribute is not a number/,
    ...corrupt({ status: 'COMPLETED', expiration: String(future()), result: '"x"' }),
  },
  {
    category: 'record',
    input: 'COMPLETED without a result',
    message: /COMPLETED but has no result attribute/,
    ...corrupt({ status: 'COMPLETED', expiration: future() }),
  },
  {
    category: 'record',
    input: 'result is not JSON',
    message: /stored result cannot be decoded/,
    ...corrupt({ status: 'COMPLETED', expiration: future(), result: '{oops' }),
  },
  {
    category: 'record',
    input: 'result is binary of an unknown format',
    message: /stored result cannot be decoded/,
    ...corrupt({ status: 'COMPLETED', expiration: future(), result: new Uint8Array([7, 1, 2, 3]) }),
  },
  {
    category: 'record',
    input: 'result is a number',
    message: /result attribute has a type this library does not write/,
    ...corrupt({ status: 'COMPLETED', expiration: future(), result: 42 }),
  },
  {
    category: 'record',
    input: 'lease is a number',
    message: /lease attribute is not a string/,
    ...corrupt({ status: 'INPROGRESS', expiration: future(), in_progress_expiration: Date.now() + 60_000, lease: 7 }),
  },
  {
    category: 'record',
    input: 'in_progress_expiration is a string',
    message: /in_progress_expiration attribute is not a number/,
    ...corrupt({ status: 'INPROGRESS', expiration: future(), in_progress_expiration: 'soon' }),
  },
  {
    category: 'record',
    input: 'written by Powertools (data, validation)',
    message: /COMPLETED but has no result attribute/,
    ...corrupt({ status: 'COMPLETED', expiration: future(), data: '{"charged":5}', validation: 'abc' }),
  },
  {
    category: 'record',
    input: 'error marker of an unknown error',
    error: UnstorableResultError,
    message: /^the other tool's reason$/,
    after: 'left untouched',
    seed: { status: 'COMPLETED', expiration: future(), result: { error: 'SomethingElse', message: "the other tool's reason" } },
    act: keyed(ORDER),
  },
  // Configuration
  {
    category: 'config',
    input: 'ttlSeconds: 0',
    error: IdempotencyConfigError,
    message: /"ttlSeconds" must be a finite number of at least 1, got 0/,
    after: 'nothing written',
    act: async (t) => wrapped(t, () => 'ok', { ttlSeconds: 0 }),
  },
  {
    category: 'config',
    input: 'key: 42 (neither function nor path)',
    error: IdempotencyConfigError,
    message: /"key" must be a function or a dotted path/,
    after: 'nothing written',
    act: async (t) => wrapped(t, () => 'ok', { key: 42 as unknown as string }),
  },
  {
    category: 'config',
    input: "key: 'body..orderId'",
    error: IdempotencyConfigError,
    message: /got "body\.\.orderId"/,
    after: 'nothing written',
    act: async (t) => wrapped(t, () => 'ok', { key: 'body..orderId' }),
  },
  {
    category: 'config',
    input: 'waitForInProgress.timeoutMs: NaN',
    error: IdempotencyConfigError,
    message: /"waitForInProgress.timeoutMs"/,
    after: 'nothing written',
    act: async (t) => wrapped(t, () => 'ok', { waitForInProgress: { timeoutMs: Number.NaN } }),
  },
  {
    category: 'config',
    input: 'store: {}',
    error: IdempotencyConfigError,
    message: /"store" must be an idempotency store/,
    after: 'nothing written',
    act: async (t) => wrapped(t, () => 'ok', { store: {} as DynamoDBStore }),
  },
  {
    category: 'config',
    input: "DynamoDBStore tableName: ''",
    error: IdempotencyConfigError,
    message: /"tableName" must be a non-empty string/,
    after: 'nothing written',
    act: async () => new DynamoDBStore({ tableName: '' }),
  },
  {
    category: 'config',
    input: 'name and keyPrefix together',
    error: IdempotencyConfigError,
    message: /"name" and "keyPrefix" cannot be combined/,
    after: 'nothing written',
    act: async (t) => makeIdempotent(async () => 1, { store: t.store, name: 'a', keyPrefix: 'b' }),
  },
  // The store
  {
    category: 'store',
    input: 'table does not exist',
    error: StoreError,
    message: /table "no-such-table" does not exist/,
    after: 'nothing written',
    act: (t) =>
      wrapped(t, () => 'ok', { store: new DynamoDBStore({ tableName: 'no-such-table' }) })({ orderId: ORDER }, t.context),
  },
  {
    category: 'store',
    input: 'endpoint refuses connections',
    error: StoreError,
    message: /PutItem .* failed: .*ECONNREFUSED/,
    after: 'nothing written',
    act: (t) => {
      const store = new DynamoDBStore({ tableName: fixture.table.name, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
      return wrapped(t, () => 'ok', { store })({ orderId: ORDER }, t.context);
    },
  },
];

async function itemsOf(scope: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await fixture.client.send(new ScanCommand({ TableName: fixture.table.name, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item as Record<string, AttributeValue>)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.filter((item) => String(item.id).startsWith(`${scope}#`));
}

function describeTable(items: readonly Record<string, unknown>[], seeded: Record<string, unknown> | undefined): string {
  if (items.length === 0) return 'nothing written';
  if (items.length > 1) return `${items.length} records`;
  const [item] = items;
  if (seeded !== undefined)
    return JSON.stringify(item) === JSON.stringify(seeded) ? 'left untouched' : `changed: ${JSON.stringify(item)}`;
  const result = item!.result;
  if (item!.status === 'COMPLETED' && typeof result === 'object' && result !== null && 'error' in result)
    return 'error marker, duplicate refused';
  if (item!.status === 'COMPLETED' && typeof result === 'string') return 'first result kept';
  return `${String(item!.status)} ${JSON.stringify(result)}`;
}

it(`bad input: ${CASES.length} cases, each a typed error naming the problem, nothing written wrongly`, async () => {
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const [index, testCase] of CASES.entries()) {
    const scope = `bad-${index + 1}`;
    let executions = 0;
    const tools: Tools = {
      scope,
      store: fixture.store,
      context: lambdaContext(30_000, 'bad-input-fn'),
      executed: () => void executions++,
    };
    let seeded: Record<string, unknown> | undefined;
    if (testCase.seed !== undefined) {
      seeded = { id: `${scope}#${hashMaterial(ORDER)}`, ...testCase.seed };
      await fixture.client.send(new PutItemCommand({ TableName: fixture.table.name, Item: marshall(seeded) }));
      seeded = unmarshall(marshall(seeded));
    }
    const error = await Promise.resolve()
      .then(() => testCase.act(tools))
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    const table = describeTable(await itemsOf(scope), seeded);
    const name = error instanceof Error ? error.name : 'no error';
    const message = error instanceof Error ? error.message : String(error);
    const typed = error instanceof IdempotencyError && error instanceof testCase.error && error.name === testCase.error.name;
    const clear = testCase.message.test(message);
    // Unstorable results ran once; the payload case ran once for its first, valid call.
    const expectedExecutions =
      testCase.after === 'error marker, duplicate refused' || testCase.after === 'first result kept' ? 1 : 0;
    const ok = typed && clear && table === testCase.after && executions === expectedExecutions;
    if (!ok) {
      failures.push(
        `#${index + 1} ${testCase.input}: got ${name} "${message}" (typed ${typed}, message ${clear}), table "${table}", ${executions} executions`,
      );
    }
    rows.push([String(index + 1), testCase.category, testCase.input, `${ok ? '✓' : '✗'} ${name}`, truncate(message, 110), table]);
  }
  const table = markdownTable(['#', 'kind', 'input', 'error', 'message', 'table afterwards'], rows);
  console.log(`\nBad input (${CASES.length} cases)\n${table}\n`);
  await publish('bad-input', table);
  expect(failures).toEqual([]);
  expect(CASES.length).toBeGreaterThanOrEqual(25);
});

function truncate(text: string, length: number): string {
  const flat = text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

it('keys that are huge, unicode or binary are valid: each maps to its own short record id and replays', async () => {
  const cases: readonly { input: string; first: unknown; same: unknown; other: unknown }[] = [
    { input: 'a 1 MB string', first: 'x'.repeat(1_000_000), same: 'x'.repeat(1_000_000), other: `${'x'.repeat(999_999)}y` },
    { input: 'emoji and CJK', first: '🧾-订单-ключ', same: '🧾-订单-ключ', other: '🧾-订单-ключи' },
    { input: 'NFC vs NFD "café" (different bytes, different keys)', first: 'caf\u00e9', same: 'caf\u00e9', other: 'cafe\u0301' },
    { input: 'lone surrogates', first: '\ud800', same: '\ud800', other: '\udc00' },
    { input: 'a Buffer', first: Buffer.from([0, 1, 2]), same: Buffer.from([0, 1, 2]), other: Buffer.from([0, 1, 3]) },
    { input: 'NUL and control characters', first: 'a\u0000b\u0007', same: 'a\u0000b\u0007', other: 'a\u0000b' },
  ];
  const rows: string[][] = [];
  for (const [index, testCase] of cases.entries()) {
    const scope = `valid-${index + 1}`;
    let executions = 0;
    const tools: Tools = {
      scope,
      store: fixture.store,
      context: lambdaContext(30_000, 'bad-input-fn'),
      executed: () => void executions++,
    };
    const fn = wrapped(tools, () => ({ execution: executions }));
    const first = await fn({ orderId: testCase.first }, tools.context);
    const replay = await fn({ orderId: testCase.same }, tools.context);
    const other = await fn({ orderId: testCase.other }, tools.context);
    const items = await itemsOf(scope);
    expect(replay).toEqual(first);
    expect(other).not.toEqual(first);
    expect(executions).toBe(2);
    expect(items).toHaveLength(2);
    const idLength = Math.max(...items.map((item) => String(item.id).length));
    expect(idLength).toBeLessThan(64);
    rows.push([testCase.input, 'replayed', 'ran separately', `${items.length} records, ids ≤ ${idLength} chars`]);
  }
  const table = markdownTable(['key', 'same key again', 'a different key', 'table afterwards'], rows);
  console.log(`\nValid but unusual keys\n${table}\n`);
  await publish('valid-keys', table);
});

/** An HTTP endpoint of its own (its own function name, so its own records) that counts executions. */
function httpEndpoint(
  functionName: string,
  options: Partial<HttpIdempotencyOptions> = {},
  hold: { onEnter?: () => void; work?: Promise<void> } = {},
) {
  let executions = 0;
  const handler = middy(async (): Promise<HttpResponse> => {
    executions++;
    hold.onEnter?.();
    await hold.work;
    return { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ payment: executions }) };
  }).use(httpIdempotency({ store: fixture.store, logger: { warn: () => undefined }, ...options }));
  return {
    invoke: (event: unknown) => handler(event as HttpEvent, lambdaContext(30_000, functionName)),
    executions: () => executions,
  };
}

/** Released once the HTTP cases have been checked: keeps the in-progress case's first request running. */
const stillRunning = deferred();

const httpApi = (): HttpEvent => httpShapes.find((shape) => shape.file === 'http-api.json')!.event();
const restApi = (): HttpEvent => httpShapes.find((shape) => shape.file === 'rest-api.json')!.event();

interface HttpCase {
  readonly input: string;
  /** `400 urn:...` for a problem response, or an error class name. */
  readonly answer: string;
  readonly detail: RegExp;
  readonly after: 'nothing written' | 'first response kept' | 'claim in progress kept';
  /** Records the case leaves in its own scope. */
  readonly records: number;
  act(functionName: string): Promise<unknown>;
}

const MISSING = `400 ${HttpProblemType.keyMissing}`;
const MALFORMED = `400 ${HttpProblemType.keyMalformed}`;
const once = (event: () => HttpEvent) => (functionName: string) => httpEndpoint(functionName).invoke(event());
/** The first request runs; the second, with the same key, differs as `change` says. */
const twice = (change: (event: HttpEvent) => HttpEvent) => async (functionName: string) => {
  const endpoint = httpEndpoint(functionName);
  await endpoint.invoke(withKey(httpApi(), 'k-1'));
  return endpoint.invoke(change(withKey(httpApi(), 'k-1')));
};

const HTTP_CASES: readonly HttpCase[] = [
  {
    input: 'POST without Idempotency-Key',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(httpApi(), 'Idempotency-Key')),
  },
  {
    input: 'Idempotency-Key: (empty)',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '')),
  },
  {
    input: 'Idempotency-Key: (spaces only)',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '   ')),
  },
  {
    input: 'header spelled Idempotency_Key',
    answer: MISSING,
    detail: /requires an Idempotency-Key header/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(withHeader(httpApi(), 'Idempotency-Key'), 'Idempotency_Key', 'k-1')),
  },
  {
    input: 'a 256-character key',
    answer: MALFORMED,
    detail: /256 characters long; at most 255/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k'.repeat(256))),
  },
  {
    input: 'a key with a space',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'order 1')),
  },
  {
    input: 'a Cyrillic key',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'ключ')),
  },
  {
    input: 'a key with a control character',
    answer: MALFORMED,
    detail: /only hold visible ASCII/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k\u0007')),
  },
  {
    input: 'the header sent twice (REST multi-value)',
    answer: MALFORMED,
    detail: /sent 2 times/,
    after: 'nothing written',
    records: 0,
    act: once(() => withHeader(restApi(), 'Idempotency-Key', 'k-1', 'k-2')),
  },
  {
    input: 'a comma list "k-1,k-2" (HTTP API joins repeats)',
    answer: MALFORMED,
    detail: /more than one value/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), 'k-1,k-2')),
  },
  {
    input: 'quoted key with an invalid escape',
    answer: MALFORMED,
    detail: /invalid escape/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k\\x"')),
  },
  {
    input: 'quoted key without its closing quote',
    answer: MALFORMED,
    detail: /no closing quote/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k-1')),
  },
  {
    input: 'quoted key followed by parameters',
    answer: MALFORMED,
    detail: /followed by other characters/,
    after: 'nothing written',
    records: 0,
    act: once(() => withKey(httpApi(), '"k-1";a=1')),
  },
  {
    input: 'same key, another body',
    answer: `422 ${HttpProblemType.keyReused}`,
    detail: /already used for a different request/,
    after: 'first response kept',
    records: 1,
    act: twice((event) => withBody(event, '{"amount":1}')),
  },
  {
    input: 'same key, another query string',
    answer: `422 ${HttpProblemType.keyReused}`,
    detail: /already used for a different request/,
    after: 'first response kept',
    records: 1,
    act: twice((event) => Object.assign(event, { rawQueryString: 'refund=true', queryStringParameters: { refund: 'true' } })),
  },
  {
    input: 'same key while the first is still running',
    answer: `409 ${HttpProblemType.inProgress}`,
    detail: /still being processed/,
    after: 'claim in progress kept',
    records: 1,
    act: async (functionName) => {
      const entered = deferred();
      const endpoint = httpEndpoint(functionName, {}, { onEnter: () => entered.resolve(), work: stillRunning.promise });
      // The first request holds its claim until every case has been checked.
      void endpoint.invoke(withKey(httpApi(), 'k-1'));
      await entered.promise;
      const second = await endpoint.invoke(withKey(httpApi(), 'k-1'));
      expect(headersOf(second)['retry-after']).toBe('1');
      return second;
    },
  },
  {
    input: 'an SQS event given to httpIdempotency',
    answer: 'UnsupportedEventError',
    detail: /not an API Gateway .* request: it has no HTTP method/,
    after: 'nothing written',
    records: 0,
    act: once(() => ({ Records: [{ messageId: 'm-1', body: '{}' }] }) as unknown as HttpEvent),
  },
  {
    input: 'an empty object as the event',
    answer: 'UnsupportedEventError',
    detail: /it has no HTTP method/,
    after: 'nothing written',
    records: 0,
    act: once(() => ({}) as HttpEvent),
  },
  {
    input: "methods: 'POST' (not an array)",
    answer: 'IdempotencyConfigError',
    detail: /"methods" must be an array/,
    after: 'nothing written',
    records: 0,
    act: async (name) => httpEndpoint(name, { methods: 'POST' as unknown as string[] }),
  },
  {
    input: 'retryAfterSeconds: -1',
    answer: 'IdempotencyConfigError',
    detail: /"retryAfterSeconds" must be a whole number of seconds, got -1/,
    after: 'nothing written',
    records: 0,
    act: async (name) => httpEndpoint(name, { retryAfterSeconds: -1 }),
  },
];

function answerOf(outcome: unknown): { answer: string; detail: string } {
  if (outcome instanceof Error) return { answer: outcome.name, detail: outcome.message };
  const response = outcome as { statusCode?: number; body?: string } | undefined;
  if (response?.statusCode === undefined) return { answer: 'no answer', detail: '' };
  const problem = JSON.parse(response.body ?? '{}') as { type?: string; detail?: string };
  return { answer: `${response.statusCode} ${problem.type ?? ''}`.trim(), detail: problem.detail ?? response.body ?? '' };
}

it(`HTTP: ${HTTP_CASES.length} bad headers and header tricks, each a clear problem response or typed error`, async () => {
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const [index, testCase] of HTTP_CASES.entries()) {
    const functionName = `http-bad-${index + 1}`;
    const outcome = await testCase.act(functionName).then(
      (value) => value,
      (error: unknown) => error,
    );
    const items = await itemsOf(functionName);
    const { answer, detail } = answerOf(outcome);
    const typed = !(outcome instanceof Error) || outcome instanceof IdempotencyError;
    const table =
      items.length === 0
        ? 'nothing written'
        : items.length === 1 && items[0]!.status === 'COMPLETED'
          ? 'first response kept'
          : items.length === 1 && items[0]!.status === 'INPROGRESS'
            ? 'claim in progress kept'
            : `${items.length} records`;
    const ok =
      typed &&
      answer === testCase.answer &&
      testCase.detail.test(detail) &&
      table === testCase.after &&
      items.length === testCase.records;
    if (!ok) failures.push(`#${index + 1} ${testCase.input}: ${answer} "${detail}", table "${table}"`);
    rows.push([
      String(index + 1),
      testCase.input,
      `${ok ? '✓' : '✗'} ${answer.replace('urn:lambda-idempotency:problem:', '')}`,
      truncate(detail, 100),
      table,
    ]);
  }
  stillRunning.resolve();
  const table = markdownTable(['#', 'request', 'answer', 'detail', 'table afterwards'], rows);
  console.log(`\nHTTP bad input (${HTTP_CASES.length} cases)\n${table}\n`);
  await publish('http-bad-input', table);
  expect(failures).toEqual([]);
});

it('HTTP: header spellings that are the same key, and callers that are not', async () => {
  const endpoint = httpEndpoint('http-same-key');
  const first = await endpoint.invoke(withKey(httpApi(), 'k-1'));
  const upper = await endpoint.invoke(withHeader(httpApi(), 'IDEMPOTENCY-KEY', 'k-1'));
  const quoted = await endpoint.invoke(withKey(httpApi(), '"k-1"'));
  expect(endpoint.executions()).toBe(1);
  expect(headersOf(upper)['idempotent-replayed']).toBe('true');
  expect(JSON.parse((quoted as { body: string }).body)).toEqual(JSON.parse((first as { body: string }).body));
  const otherCaller = await endpoint.invoke(withCaller(withKey(httpApi(), 'k-1'), 'another-user'));
  expect(endpoint.executions()).toBe(2);
  expect(headersOf(otherCaller)['idempotent-replayed']).toBeUndefined();
});

const sqsSample = () => sampleEvent<SQSEvent>('sqs');

interface BatchCase {
  readonly input: string;
  /** Bodies of the batch's records; the bad one is the first. */
  readonly bodies: readonly string[];
  readonly options?: Partial<IdempotentBatchOptions<SQSRecord>>;
  /** The typed error the bad record is reported with. */
  readonly error: string;
  readonly message: RegExp;
}

const BATCH_CASES: readonly BatchCase[] = [
  {
    input: 'body is not JSON, key "body.orderId"',
    bodies: ['{"orderId": ', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MalformedRecordError',
    message: /is malformed/,
  },
  {
    input: 'body has no orderId',
    bodies: ['{"amount":1}', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MissingIdempotencyKeyError',
    message: /has no idempotency key/,
  },
  {
    input: 'body is an empty string',
    bodies: ['', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MalformedRecordError',
    message: /is malformed/,
  },
  {
    input: 'key selector throws',
    bodies: ['{"orderId":"boom"}', '{"orderId":"o-2"}'],
    options: {
      key: (record) => {
        if (record.body.includes('boom')) throw new Error('cannot read');
        return record.body;
      },
    },
    error: 'MalformedRecordError',
    message: /cannot read|is malformed/,
  },
  {
    input: 'key holds a BigInt',
    bodies: ['{"orderId":"big"}', '{"orderId":"o-2"}'],
    options: { key: (record) => (record.body.includes('big') ? 10n : record.body) },
    error: 'InvalidIdempotencyKeyError',
    message: /bigint cannot be part/,
  },
  {
    input: 'record handler throws',
    bodies: ['{"orderId":"fail"}', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'Error',
    message: /handler refused fail/,
  },
];

it(`SQS batch: ${BATCH_CASES.length} bad records, each reported alone with a typed error; the rest run`, async () => {
  const rows: string[][] = [];
  for (const [index, testCase] of BATCH_CASES.entries()) {
    const functionName = `batch-bad-${index + 1}`;
    const failures: { messageId: string; error: unknown }[] = [];
    const ran: string[] = [];
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        if (record.body.includes('"fail"')) throw new Error('handler refused fail');
        ran.push(record.messageId);
        return 'ok';
      },
      {
        store: fixture.store,
        logger: { warn: () => undefined, error: () => undefined },
        onRecordFailure: (record, error) => void failures.push({ messageId: record.messageId, error }),
        ...testCase.options,
      },
    );
    const records = testCase.bodies.map((body, position) => ({ ...sqsSample().Records[0]!, messageId: `m-${position}`, body }));
    const response = await handler({ Records: records }, lambdaContext(30_000, functionName));
    const reported = response.batchItemFailures.map((failure) => failure.itemIdentifier);
    // Batch records are scoped by the function name plus "batch-record".
    const items = await itemsOf(`${functionName}.batch-record`);
    const error = failures[0]?.error;
    const name = error instanceof Error ? error.name : 'none';
    const message = error instanceof Error ? error.message : '';
    expect(reported, testCase.input).toEqual(['m-0']);
    expect(ran, testCase.input).toEqual(['m-1']);
    expect(name, testCase.input).toBe(testCase.error);
    expect(message, testCase.input).toMatch(testCase.message);
    if (testCase.error !== 'Error') expect(error, testCase.input).toBeInstanceOf(IdempotencyError);
    // Only the good record is stored; a failed handler's claim was released.
    expect(items.map((item) => item.status)).toEqual(['COMPLETED']);
    rows.push([
      String(index + 1),
      testCase.input,
      name,
      truncate(message, 100),
      reported.join(', '),
      ran.join(', '),
      `${items.length} record (the good one)`,
    ]);
  }
  const unsupported = await idempotentBatch(async () => 'ok', { store: fixture.store })({ detail: 'not a batch' } as never).catch(
    (error: unknown) => error,
  );
  expect(unsupported).toBeInstanceOf(UnsupportedEventError);
  rows.push([
    String(rows.length + 1),
    'an event that is not a batch ({ detail })',
    (unsupported as Error).name,
    truncate((unsupported as Error).message, 100),
    '(whole invocation)',
    '-',
    'nothing written',
  ]);
  const table = markdownTable(['#', 'record', 'error', 'message', 'batchItemFailures', 'ran', 'table afterwards'], rows);
  console.log(`\nBatch bad input\n${table}\n`);
  await publish('batch-bad-input', table);
});
