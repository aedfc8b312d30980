import { fileURLToPath } from 'node:url';
import { idempotencyTableDefinition, ledgerTableDefinition, paymentsTableDefinition, type TableDefinition } from './tables.js';

/** A sample function as plain data, shared by the stack and the local tools (`npm start`, `invoke`, `dev`). */
export interface SampleFunctionDefinition {
  /** The construct id in the stack. */
  readonly id: string;
  /** The handler file; its `handler` export is the Lambda handler. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  /** The tables whose names the function reads from their environment variables. */
  readonly tables: readonly TableDefinition[];
}

function sample(path: string): string {
  return fileURLToPath(new URL(`../samples/${path}`, import.meta.url));
}

export const sampleFunctionDefinitions = {
  /** `POST /payments` behind an HTTP API. */
  payments: {
    id: 'PaymentsFunction',
    entry: sample('payments/handler.ts'),
    timeoutSeconds: 10,
    tables: [idempotencyTableDefinition, paymentsTableDefinition],
  },
  /** The SQS consumer that applies order events to the ledger. */
  orders: {
    id: 'OrdersFunction',
    entry: sample('orders/handler.ts'),
    timeoutSeconds: 10,
    tables: [idempotencyTableDefinition, ledgerTableDefinition],
  },
  /** The EventBridge rule target that applies refunds to the ledger. */
  refunds: {
    id: 'RefundsFunction',
    entry: sample('refunds/handler.ts'),
    timeoutSeconds: 10,
    tables: [idempotencyTableDefinition, ledgerTableDefinition],
  },
} as const satisfies Record<string, SampleFunctionDefinition>;

export type SampleFunctionName = keyof typeof sampleFunctionDefinitions;
