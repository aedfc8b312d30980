import type { Context } from 'aws-lambda';
import { DynamoDBStore, makeIdempotent } from 'lambda-idempotency';

const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });

export const handler = makeIdempotent(
  async (event: { orderId: string; amount: number }, context: Context) => {
    // The side effect that must happen once per order: insert, charge, send...
    return { orderId: event.orderId, amount: event.amount, confirmation: context.awsRequestId };
  },
  { store, key: 'orderId' },
);
