import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { DynamoDBStore, idempotency } from 'lambda-idempotency';

const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });

interface OrderEvent {
  orderId: string;
  amount: number;
}

async function createOrder(event: OrderEvent) {
  // The side effect that must happen once per order: insert, charge, send...
  return { orderId: event.orderId, amount: event.amount, confirmation: randomUUID() };
}

export const handler = middy(createOrder).use(idempotency({ store, key: 'orderId', ttlSeconds: 3600 }));
