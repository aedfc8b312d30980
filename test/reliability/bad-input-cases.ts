import { type AttributeValue, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { hashMaterial } from '../../src/engine/hash.js';
import {
  CorruptRecordError,
  DynamoDBStore,
  IdempotencyConfigError,
  IdempotencyError,
  InvalidIdempotencyKeyError,
  idempotency,
  type MakeIdempotentOptions,
  MissingIdempotencyKeyError,
  makeIdempotent,
  PayloadMismatchError,
  ResultNotSerializableError,
  ResultTooLargeError,
  StoreError,
  UnstorableResultError,
} from '../../src/index.js';
import { lambdaContext, type StoreFixture } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/**
 * Bad input of every kind, as cases that bad-input.test.ts checks one by one and
 * scripts/docs-tables.ts renders into docs/reliability.md: each case must fail with a typed error (a
 * subclass of IdempotencyError) whose message names what was wrong, and must leave the table as it
 * should: nothing written, a corrupt record left untouched, or (for a result that cannot be stored)
 * the record completed with an error marker so that duplicates get the same error.
 */

type ErrorClass = abstract new (...args: never[]) => IdempotencyError;

/** What the table must hold for the case's scope afterwards. */
export type TableAfter = 'nothing written' | 'left untouched' | 'error marker, duplicate refused' | 'first result kept';

export interface Case {
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
  /** The table the fixture's store writes to. */
  readonly tableName: string;
  readonly context: Context;
  /** Counts executions of the handlers the case builds. */
  executed(): void;
}

/** A case's tools in its own `scope` of the fixture's table, and the count of its handlers' executions. */
function toolsIn(fixture: StoreFixture, scope: string): { tools: Tools; executions(): number } {
  let executions = 0;
  const tools: Tools = {
    scope,
    store: fixture.store,
    tableName: fixture.table.name,
    context: lambdaContext(30_000, 'bad-input-fn'),
    executed: () => void executions++,
  };
  return { tools, executions: () => executions };
}

const ORDER = 'order-1';
const future = () => Math.floor(Date.now() / 1000) + 3600;

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

/**
 * Runs `act` twice: both must fail the same way, and the handler must have run once. A duplicate
 * that fails otherwise makes the case fail with a plain Error saying so.
 */
const unstorable =
  (produce: () => unknown, options: Partial<MakeIdempotentOptions<[{ orderId?: unknown }, Context]>> = {}) =>
  async (tools: Tools) => {
    const fn = wrapped(tools, produce, options);
    const first = await fn({ orderId: ORDER }, tools.context).catch((error: unknown) => error);
    const duplicate = await fn({ orderId: ORDER }, tools.context).catch((error: unknown) => error);
    if (!(duplicate instanceof UnstorableResultError) || duplicate.name !== (first as Error).name) {
      throw new Error(`the duplicate got ${nameOf(duplicate)}, not the first call's ${nameOf(first)}`);
    }
    throw first;
  };

const nameOf = (outcome: unknown) => (outcome instanceof Error ? outcome.name : `the value ${String(outcome)}`);

/** A foreign or corrupt item at the case's record id, then one invocation. */
const corrupt = (item: Record<string, unknown>) => ({
  seed: item,
  act: keyed(ORDER),
  error: CorruptRecordError,
  after: 'left untouched' as const,
});

/** Bytes compression cannot shrink, the same in every run. */
function incompressibleBytes(length: number): Buffer {
  const next = seededRandom(27);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

export const CASES: readonly Case[] = [
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
    // Seeded, so its stored size, which the message quotes, is the same in every run and in the docs.
    act: unstorable(() => incompressibleBytes(450 * 1024).toString('base64')),
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
      const store = new DynamoDBStore({ tableName: t.tableName, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
      return wrapped(t, () => 'ok', { store })({ orderId: ORDER }, t.context);
    },
  },
];

/** What became of one case: its error, what the table holds for its scope, how often its handler ran. */
export interface CaseOutcome {
  readonly error: unknown;
  /** The error's name, or `no error`. */
  readonly name: string;
  readonly message: string;
  /** What the table holds for the case's scope, in the words of {@link TableAfter}. */
  readonly table: string;
  readonly executions: number;
}

/** How many times a case's handler must have run: once for an unstorable result and the payload case's valid call. */
export function expectedExecutions(testCase: Case): number {
  return testCase.after === 'error marker, duplicate refused' || testCase.after === 'first result kept' ? 1 : 0;
}

/** Case `number` (from 1), in its own scope `bad-<number>` of the fixture's table. */
export async function runCase(fixture: StoreFixture, testCase: Case, number: number): Promise<CaseOutcome> {
  const scope = `bad-${number}`;
  const { tools, executions } = toolsIn(fixture, scope);
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
  return {
    error,
    name: error instanceof Error ? error.name : 'no error',
    message: error instanceof Error ? error.message : String(error),
    table: describeTable(await itemsOf(fixture, scope), seeded),
    executions: executions(),
  };
}

/** Whether a case came out as it must: the typed error, a message naming the problem, the table, the runs. */
export function caseHolds(testCase: Case, outcome: CaseOutcome): boolean {
  const { error } = outcome;
  return (
    error instanceof IdempotencyError &&
    error instanceof testCase.error &&
    error.name === testCase.error.name &&
    testCase.message.test(outcome.message) &&
    outcome.table === testCase.after &&
    outcome.executions === expectedExecutions(testCase)
  );
}

/** The row of docs/reliability.md's bad-input table for case `number`. */
export function caseRow(testCase: Case, number: number, outcome: CaseOutcome): string[] {
  const mark = caseHolds(testCase, outcome) ? '✓' : '✗';
  return [
    String(number),
    testCase.category,
    testCase.input,
    `${mark} ${outcome.name}`,
    truncate(outcome.message, 110),
    outcome.table,
  ];
}

export const CASES_HEADER = ['#', 'kind', 'input', 'error', 'message', 'table afterwards'];

/** The items of the fixture's table whose record id is in `scope`, unmarshalled. */
export async function itemsOf(fixture: StoreFixture, scope: string): Promise<Record<string, unknown>[]> {
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

/** A table cell: pipes escaped, one line, at most `length` characters. */
export function truncate(text: string, length: number): string {
  const flat = text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/** Keys that are huge, unicode or binary: valid, each its own short record id. */
export interface ValidKey {
  readonly input: string;
  readonly first: unknown;
  /** Equal to `first`, built anew. */
  readonly same: unknown;
  /** Another key, close to `first`. */
  readonly other: unknown;
}

export const VALID_KEYS: readonly ValidKey[] = [
  { input: 'a 1 MB string', first: 'x'.repeat(1_000_000), same: 'x'.repeat(1_000_000), other: `${'x'.repeat(999_999)}y` },
  { input: 'emoji and CJK', first: '🧾-订单-ключ', same: '🧾-订单-ключ', other: '🧾-订单-ключи' },
  { input: 'NFC vs NFD "café" (different bytes, different keys)', first: 'caf\u00e9', same: 'caf\u00e9', other: 'cafe\u0301' },
  { input: 'lone surrogates', first: '\ud800', same: '\ud800', other: '\udc00' },
  { input: 'a Buffer', first: Buffer.from([0, 1, 2]), same: Buffer.from([0, 1, 2]), other: Buffer.from([0, 1, 3]) },
  { input: 'NUL and control characters', first: 'a\u0000b\u0007', same: 'a\u0000b\u0007', other: 'a\u0000b' },
];

export interface ValidKeyOutcome {
  readonly first: unknown;
  readonly replay: unknown;
  readonly other: unknown;
  readonly executions: number;
  /** The records the three calls left in the key's scope. */
  readonly records: number;
  /** The longest of their ids. */
  readonly idLength: number;
}

/** The key first, the same key again, then the other key, in scope `valid-<number>`. */
export async function runValidKey(fixture: StoreFixture, key: ValidKey, number: number): Promise<ValidKeyOutcome> {
  const scope = `valid-${number}`;
  const { tools, executions } = toolsIn(fixture, scope);
  const fn = wrapped(tools, () => ({ execution: executions() }));
  const first = await fn({ orderId: key.first }, tools.context);
  const replay = await fn({ orderId: key.same }, tools.context);
  const other = await fn({ orderId: key.other }, tools.context);
  const items = await itemsOf(fixture, scope);
  const idLength = Math.max(...items.map((item) => String(item.id).length));
  return { first, replay, other, executions: executions(), records: items.length, idLength };
}

export const VALID_KEYS_HEADER = ['key', 'same key again', 'a different key', 'table afterwards'];

/** Whether a valid key came out as it must: replayed, apart from the other key, two records with short ids. */
export function validKeyHolds(outcome: ValidKeyOutcome): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    same(outcome.replay, outcome.first) &&
    !same(outcome.other, outcome.first) &&
    outcome.executions === 2 &&
    outcome.records === 2 &&
    outcome.idLength < 64
  );
}

export function validKeyRow(key: ValidKey, outcome: ValidKeyOutcome): string[] {
  const replayed = JSON.stringify(outcome.replay) === JSON.stringify(outcome.first) ? 'replayed' : 'ran again';
  const separate = JSON.stringify(outcome.other) === JSON.stringify(outcome.first) ? 'replayed the first' : 'ran separately';
  return [key.input, replayed, separate, `${outcome.records} records, ids ≤ ${outcome.idLength} chars`];
}
