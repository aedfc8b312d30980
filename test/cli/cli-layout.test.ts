import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from '../../src/cli/run.js';
import { DynamoDBStore, makeIdempotent } from '../../src/index.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { lambdaContext, uniqueKey } from '../support/fixtures.js';

// A single-table design: the table's own key names, records under one partition value, and
// every record attribute renamed, as DynamoDBStore's `attributes` and `sortKey` options allow.
const attributes = {
  partitionKey: 'PK',
  status: 'state',
  expiration: 'ttl',
  inProgressExpiration: 'claimUntil',
  lease: 'owner',
  fingerprint: 'digest',
  result: 'payload',
};
const layoutFlags = [
  '--partition-key',
  'PK',
  '--sort-key',
  'SK',
  '--partition-value',
  'IDEMPOTENCY',
  '--status-attribute',
  'state',
  '--expiration-attribute',
  'ttl',
  '--in-progress-expiration-attribute',
  'claimUntil',
  '--lease-attribute',
  'owner',
  '--fingerprint-attribute',
  'digest',
  '--result-attribute',
  'payload',
];

const client = testClient();
let table: TestTable;
let store: DynamoDBStore;
beforeAll(async () => {
  table = await createTable(client, { partitionKey: 'PK', sortKey: 'SK' });
  store = new DynamoDBStore({
    tableName: table.name,
    client,
    attributes,
    sortKey: { attribute: 'SK', partitionValue: 'IDEMPOTENCY' },
  });
});
afterAll(async () => {
  await table.drop();
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint(), AWS_REGION: 'us-east-1' },
  });
  return { code, stdout, stderr };
}

describe('a table with renamed attributes and a sort key', () => {
  it('inspects, lists and evicts records written by a DynamoDBStore with that layout', async () => {
    const key = uniqueKey();
    const charge = makeIdempotent(async (orderId: string, _context: Context) => ({ charged: orderId }), {
      store,
      key: (orderId) => orderId,
    });
    await charge(key, lambdaContext(30_000, 'layout-fn'));
    // Another entity of the single-table design, in another partition: never listed or read as a record.
    await client.send(
      new PutItemCommand({ TableName: table.name, Item: { PK: { S: 'CUSTOMER' }, SK: { S: `c#${key}` }, name: { S: 'Ada' } } }),
    );
    const now = Date.now();
    const stuckId = `layout-fn#stuck-${uniqueKey()}`;
    await store.claim({
      id: stuckId,
      lease: 'gone',
      inProgressUntil: now - 60_000,
      expiresAt: Math.floor(now / 1000) + 3000,
      now,
    });

    const shown = await cli('inspect', '--table', table.name, ...layoutFlags, '--function', 'layout-fn', '--key', key, '--json');
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(ExitCode.ok);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'COMPLETED', resultPreview: JSON.stringify({ charged: key }) });

    const listed = await cli('list', '--table', table.name, ...layoutFlags, '--stuck', '--json');
    expect(listed.code).toBe(ExitCode.ok);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((view) => view.id)).toEqual([stuckId]);
    expect(listed.stderr).toContain('Querying partition "IDEMPOTENCY"');
    expect(listed.stderr).not.toContain('not records this library wrote');

    const evicted = await cli('evict', '--table', table.name, ...layoutFlags, '--id', stuckId, '--expect-lease', 'gone');
    expect(evicted.code).toBe(ExitCode.ok);
    expect(await store.get(stuckId)).toBeUndefined();
  });

  it('without the layout flags, says which flags the table needs instead of reading the wrong attributes', async () => {
    const key = uniqueKey();
    const charge = makeIdempotent(async (orderId: string, _context: Context) => orderId, { store, key: (orderId) => orderId });
    await charge(key, lambdaContext(30_000, 'layout-fn'));
    // The default key schema (`id`) does not match this table's: DynamoDB refuses the request.
    const plain = await cli('inspect', '--table', table.name, '--function', 'layout-fn', '--key', key);
    expect(plain.code).toBe(ExitCode.usage);
    expect(plain.stderr).toContain('pass --partition-key (and --sort-key');
    const renamedOnly = await cli(
      'inspect',
      '--table',
      table.name,
      ...layoutFlags.slice(0, 6),
      '--function',
      'layout-fn',
      '--key',
      key,
    );
    // Keys right, attributes left at their defaults: the item is found but is not a record as read.
    expect(renamedOnly.code).toBe(ExitCode.unexpected);
    expect(renamedOnly.stderr).toContain('its status attribute is undefined');
    expect(renamedOnly.stderr).toContain('--*-attribute flags');
  });

  it('says so, and exits 6, when list reads items but none has the layout the flags describe', async () => {
    // The partition holds records written with the renamed attributes; the flags name others.
    const key = uniqueKey();
    const charge = makeIdempotent(async (orderId: string, _context: Context) => orderId, { store, key: (orderId) => orderId });
    await charge(key, lambdaContext(30_000, 'layout-fn'));
    const wrongNames = ['--partition-key', 'PK', '--sort-key', 'SK', '--partition-value', 'IDEMPOTENCY'];
    const listed = await cli('list', '--table', table.name, ...wrongNames, '--stuck', '--json');
    expect(listed.code).toBe(ExitCode.noRecordLayout);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toMatch(/error: (The one item read is not|None of the \d+ items read is) a record in the layout given/);
    // What was expected, and what a sample item really has.
    expect(listed.stderr).toContain('Expected sort key "SK" under PK = "IDEMPOTENCY", status "status", expiration "expiration"');
    expect(listed.stderr).toMatch(/one of them \(layout-fn#[^)]+\) has the attributes PK, SK, owner, payload, state, ttl\./);

    // The right flags: records are read, and an empty answer is a real "nothing stuck" (exit 0).
    const right = await cli('list', '--table', table.name, ...layoutFlags, '--older-than', '999999', '--json');
    expect(right.code).toBe(ExitCode.ok);
    expect(right.stderr).not.toContain('error');
  });

  it('refuses layout flags that do not fit together', async () => {
    const lonely = await cli('list', '--table', table.name, '--partition-value', 'X');
    expect(lonely.code).toBe(ExitCode.usage);
    expect(lonely.stderr).toContain('--partition-value goes with --sort-key');
    const mixed = await cli('list', '--redis-url', 'redis://127.0.0.1:1', '--partition-key', 'PK');
    expect(mixed.code).toBe(ExitCode.usage);
    expect(mixed.stderr).toContain('only apply to a DynamoDB table');
  });
});

describe('a table scanned with layout flags that match no item', () => {
  it('exits 6 naming the attributes expected and those found, where it used to print an empty list', async () => {
    const defaults = await createTable(client);
    try {
      const defaultStore = new DynamoDBStore({ tableName: defaults.name, client });
      for (const orderId of [uniqueKey(), uniqueKey()]) {
        const charge = makeIdempotent(async (id: string, _context: Context) => id, { store: defaultStore, key: (id) => id });
        await charge(orderId, lambdaContext(30_000, 'plain-fn'));
      }
      const listed = await cli('list', '--table', defaults.name, '--status-attribute', 'state', '--expiration-attribute', 'ttl');
      expect(listed.code).toBe(ExitCode.noRecordLayout);
      expect(listed.stderr).toContain('page 1: 2 items read, 0 matched');
      expect(listed.stderr).toContain('None of the 2 items read is a record in the layout given');
      expect(listed.stderr).toContain('Expected partition key "id", status "state", expiration "ttl"');
      expect(listed.stderr).toMatch(/one of them \(plain-fn#[^)]+\) has the attributes expiration, id, lease, result, status\./);
      expect(listed.stdout).toBe('');
      // Without the wrong flags the same table lists (nothing stuck, but records were read).
      const plain = await cli('list', '--table', defaults.name);
      expect(plain.code).toBe(ExitCode.ok);
    } finally {
      await defaults.drop();
    }
  });
});
