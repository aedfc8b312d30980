import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  type KeySchemaElement,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';

export function endpoint(): string {
  return inject('dynamodbEndpoint');
}

export function testClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint: endpoint(), ...config });
}

/** Counts the DynamoDB commands a client sends (each command once, whatever its retries). */
export function countCommands(client: DynamoDBClient): { readonly counts: Map<string, number>; total(): number; reset(): void } {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return {
    counts,
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    reset: () => counts.clear(),
  };
}

export interface TestTable {
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh table with the layout DynamoDBStore expects by default (or a partition + sort key). */
export async function createTable(
  client: DynamoDBClient,
  layout: { partitionKey?: string; sortKey?: string } = {},
): Promise<TestTable> {
  const name = `idempotency-test-${randomUUID()}`;
  const partitionKey = layout.partitionKey ?? 'id';
  const keys: KeySchemaElement[] = [{ AttributeName: partitionKey, KeyType: 'HASH' }];
  if (layout.sortKey) keys.push({ AttributeName: layout.sortKey, KeyType: 'RANGE' });
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: keys,
      AttributeDefinitions: keys.map((key) => ({ AttributeName: key.AttributeName, AttributeType: 'S' as const })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  return { name, drop: async () => void (await client.send(new DeleteTableCommand({ TableName: name }))) };
}
