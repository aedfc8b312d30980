import middy from '@middy/core';
import { DynamoDBStore, idempotency, makeIdempotent } from 'lambda-idempotency';

const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });

async function createOrder(event: { orderId: string; amount: number }) {
  // The side effect that must happen once per order: insert, charge, send...
  return { orderId: event.orderId, status: 'created', createdAt: new Date().toISOString() };
}

export const handler = middy(createOrder).use(idempotency({ store, key: (event) => event.orderId, ttlSeconds: 3600 }));

// without Middy: any handler, or any async function inside one
async function chargeCard(request: { paymentId: string; cents: number }) {
  return { paymentId: request.paymentId, charged: request.cents, at: Date.now() };
}

export const charge = makeIdempotent(chargeCard, { store, key: (req) => req.paymentId });
