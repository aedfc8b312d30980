import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBStore } from 'lambda-idempotency';
import { idempotencyTableDefinition, ledgerTableDefinition } from '../../infra/tables.js';
import { LedgerTable } from '../orders/ledger-table.js';
import { requiredEnvironment } from '../shared/environment.js';
import { createRefundsConsumer } from './refunds-consumer.js';

// Built once per container and reused by every invocation; the table names come from the stack.
const client = new DynamoDBClient({});

export const handler = createRefundsConsumer({
  // No client: the store talks to DynamoDB itself (see docs/usage.md for when to pass one).
  store: new DynamoDBStore({ tableName: requiredEnvironment(idempotencyTableDefinition.environmentVariable) }),
  ledger: new LedgerTable(DynamoDBDocumentClient.from(client), requiredEnvironment(ledgerTableDefinition.environmentVariable)),
});
