import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBStore } from 'lambda-idempotency';
import { idempotencyTableDefinition, paymentsTableDefinition } from '../../infra/tables.js';
import { requiredEnvironment } from '../shared/environment.js';
import { createPaymentsApi } from './payments-api.js';
import { PaymentsTable } from './payments-table.js';

// Built once per container and reused by every invocation; the table names come from the stack.
const client = new DynamoDBClient({});

export const handler = createPaymentsApi({
  // No client: the store talks to DynamoDB itself (see docs/usage.md for when to pass one).
  store: new DynamoDBStore({ tableName: requiredEnvironment(idempotencyTableDefinition.environmentVariable) }),
  payments: new PaymentsTable(
    DynamoDBDocumentClient.from(client),
    requiredEnvironment(paymentsTableDefinition.environmentVariable),
  ),
});
