import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { type FaultKind, FaultProxy } from '../support/fault-proxy.js';
import { seededRandom } from '../support/seeded-random.js';

/** The fault proxy does what each fault promises: whether DynamoDB applied the write, what the client saw. */

let direct: DynamoDBClient;
let table: TestTable;
let proxy: FaultProxy;
beforeAll(async () => {
  direct = testClient();
  table = await createTable(direct);
  proxy = await new FaultProxy({ upstream: endpoint(), delayMs: 300 }).start();
});
afterAll(async () => {
  await proxy.stop();
  await table.drop();
  direct.destroy();
});

async function stored(id: string): Promise<boolean> {
  const { Item } = await direct.send(new GetItemCommand({ TableName: table.name, Key: { id: { S: id } }, ConsistentRead: true }));
  return Item !== undefined;
}

describe('FaultProxy', () => {
  it.each<[FaultKind, string, boolean]>([
    ['throttle', 'ProvisionedThroughputExceededException', false],
    ['server-error', 'InternalServerError', false],
    ['reset', 'ECONNRESET', false],
    ['lost-response', 'ECONNRESET', true],
    ['slow-response', 'TimeoutError', true],
    ['late-request', 'TimeoutError', true],
  ])('%s: the client sees %s; DynamoDB applied the write: %s', async (fault, seen, applied) => {
    const client = faultClient(proxy.endpoint, { maxAttempts: 1, timeoutMs: 150 });
    const id = randomUUID();
    const rule = proxy.inject({ fault, operation: 'PutItem', bodyIncludes: id });
    try {
      const error = await client.send(new PutItemCommand({ TableName: table.name, Item: { id: { S: id } } })).then(
        () => undefined,
        (thrown: unknown) => thrown as Error & { code?: string },
      );
      expect(rule.hits()).toBe(1);
      expect([error?.name, error?.code, error?.message].join(' ')).toContain(seen);
      await proxy.drain(id);
      expect(await stored(id)).toBe(applied);
    } finally {
      rule.remove();
      client.destroy();
    }
  });

  it('applies a rule to the nth occurrence only, and forwards everything else untouched', async () => {
    const client = faultClient(proxy.endpoint, { maxAttempts: 1 });
    const rule = proxy.inject({ fault: 'throttle', operation: 'GetItem', nth: [2, 3] });
    try {
      const outcomes: string[] = [];
      for (let call = 0; call < 4; call++) {
        outcomes.push(
          await client.send(new GetItemCommand({ TableName: table.name, Key: { id: { S: 'none' } } })).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      expect(outcomes).toEqual(['ok', 'ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException', 'ok']);
    } finally {
      rule.remove();
      client.destroy();
    }
  });

  it('draws probabilities from its seed: the same seed gives the same faults', () => {
    const draws = (seed: number) => Array.from({ length: 8 }, seededRandom(seed));
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
  });
});
