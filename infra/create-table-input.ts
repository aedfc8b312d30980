import type { CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from './tables.js';

/**
 * The CreateTable request for a definition, for local endpoints (dynalite, DynamoDB Local).
 * TTL is left out: it is a separate UpdateTimeToLive call that dynalite does not implement, and the
 * library never relies on TTL's deletion (its conditions compare `expiration` with the clock).
 */
export function toCreateTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  const keySchema: KeySchemaElement[] = keys.map((key, index) => ({
    AttributeName: key.name,
    KeyType: index === 0 ? 'HASH' : 'RANGE',
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema,
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
  };
}
