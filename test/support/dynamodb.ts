import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { toCreateTableInput } from '../../infra/create-table-input.js';
import { idempotencyTableDefinition, type TableDefinition } from '../../infra/tables.js';
import { FaultProxy } from './fault-proxy.js';

/**
 * The DynamoDB endpoint of this run: the one the suite's global setup provides, or, outside Vitest
 * (scripts/docs-tables.ts), AWS_ENDPOINT_URL_DYNAMODB.
 */
export function endpoint(): string {
  if (process.env.VITEST) return inject('dynamodbEndpoint');
  const outside = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!outside) throw new Error('Outside Vitest, set AWS_ENDPOINT_URL_DYNAMODB to the DynamoDB endpoint to use.');
  return outside;
}

export function testClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint: endpoint(), ...config });
}

/** Requests counted per DynamoDB operation. */
export interface RequestCounts {
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
}

/** Counts the DynamoDB commands a client sends (each command once, whatever its retries). */
export function countCommands(client: DynamoDBClient): RequestCounts {
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

/**
 * A fresh table built from one of infra's table definitions (the idempotency table by default, the
 * one the CDK stack deploys), optionally with another partition key or an added sort key.
 */
export async function createTable(
  client: DynamoDBClient,
  layout: { partitionKey?: string; sortKey?: string; definition?: TableDefinition } = {},
): Promise<TestTable> {
  const base = layout.definition ?? idempotencyTableDefinition;
  const name = layout.definition ? `${base.id}-test-${randomUUID()}` : `idempotency-test-${randomUUID()}`;
  const definition: TableDefinition = {
    ...base,
    ...(layout.partitionKey && { partitionKey: { name: layout.partitionKey, type: 'S' } }),
    ...(layout.sortKey && { sortKey: { name: layout.sortKey, type: 'S' } }),
  };
  await client.send(new CreateTableCommand(toCreateTableInput(definition, name)));
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  return { name, drop: async () => void (await client.send(new DeleteTableCommand({ TableName: name }))) };
}

/**
 * Counts the requests that reach DynamoDB through a pass-through proxy (the fault proxy with no
 * rule), for a store on its own transport: point it at `endpoint`. Without faults nothing is
 * retried, so each request is one operation.
 */
export async function countRequests(): Promise<RequestCounts & { readonly endpoint: string; stop(): Promise<void> }> {
  const proxy = await new FaultProxy({ upstream: endpoint() }).start();
  let from = 0;
  const counts = new Map<string, number>();
  const refresh = () => {
    counts.clear();
    for (const entry of proxy.log.slice(from)) counts.set(entry.operation, (counts.get(entry.operation) ?? 0) + 1);
    return counts;
  };
  return {
    endpoint: proxy.endpoint,
    get counts() {
      return refresh();
    },
    total: () => proxy.log.length - from,
    reset() {
      from = proxy.log.length;
    },
    stop: () => proxy.stop(),
  };
}
