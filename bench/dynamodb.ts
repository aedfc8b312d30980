import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { WireItem } from './item-size.js';

// Local endpoints accept any credentials; a run against AWS keeps the caller's own.
const localCredentials =
  process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE
    ? {}
    : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** One client per library and scenario, all with the same configuration. */
export function benchClient(endpoint: string, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', ...localCredentials, ...config });
}

/** A fresh table keyed by the string attribute `id`: the default layout of both libraries. */
export async function createTable(client: DynamoDBClient, label: string): Promise<string> {
  const name = `bench-${label}-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  return name;
}

/** Reads an item as DynamoDB holds it, through a client that is not being measured. */
export function rawReader(client: DynamoDBClient): (tableName: string, key: WireItem) => Promise<WireItem | undefined> {
  return async (tableName, key) => {
    const output = await client.send(
      new GetItemCommand({ TableName: tableName, Key: key as Record<string, AttributeValue>, ConsistentRead: true }),
    );
    return output.Item;
  };
}
