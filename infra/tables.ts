/**
 * The tables of the sample application as plain data: the CDK stack and the local tools (`npm start`,
 * the tests) build their tables from these definitions, so a key or TTL change is made once.
 * Nothing here imports the CDK or the AWS SDK.
 */
import { defaultAttributeNames } from '../src/stores/record-schema.js';

/** DynamoDB scalar attribute types allowed in a key. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** One attribute of a table's primary key. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** Everything that defines a table's shape. Billing, recovery and removal are deployment choices made by the stack. */
export interface TableDefinition {
  /** The construct id in the stack and the base of local table names. */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** The attribute DynamoDB's TTL reads (epoch seconds), if items expire. */
  readonly timeToLiveAttribute?: string;
  /** The environment variable that hands the table's name to the functions. */
  readonly environmentVariable: string;
}

/** The layout `DynamoDBStore` expects by default (its own attribute names): string key `id`, TTL on `expiration`. */
export const idempotencyTableDefinition = {
  id: 'IdempotencyTable',
  partitionKey: { name: defaultAttributeNames.partitionKey, type: 'S' },
  timeToLiveAttribute: defaultAttributeNames.expiration,
  environmentVariable: 'IDEMPOTENCY_TABLE',
} as const satisfies TableDefinition;

/** Payments created by `POST /payments`, one item per payment id. */
export const paymentsTableDefinition = {
  id: 'PaymentsTable',
  partitionKey: { name: 'paymentId', type: 'S' },
  environmentVariable: 'PAYMENTS_TABLE',
} as const satisfies TableDefinition;

/** One balance per customer, moved by the order events the SQS consumer applies. */
export const ledgerTableDefinition = {
  id: 'LedgerTable',
  partitionKey: { name: 'customerId', type: 'S' },
  environmentVariable: 'LEDGER_TABLE',
} as const satisfies TableDefinition;

/** Every table of the sample application. */
export const sampleTableDefinitions: readonly TableDefinition[] = [
  idempotencyTableDefinition,
  paymentsTableDefinition,
  ledgerTableDefinition,
];
