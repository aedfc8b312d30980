import { DynamoDBStore, idempotentBatch, makeIdempotent } from 'lambda-idempotency';

const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });

interface OrderEvent {
  eventId: string;
  orderId: string;
  type: string;
  amount: number;
}

// Stands in for your database and your payment provider.
export const ledger: { orderId: string; type: string; amount: number }[] = [];
async function capturePayment(request: { orderId: string; amount: number }) {
  return { orderId: request.orderId, captured: request.amount, at: Date.now() };
}

// One side effect that must happen once per order, whichever message or request asks for it.
const captureOnce = makeIdempotent(capturePayment, { store, key: (request) => request.orderId });

export const handler = idempotentBatch(
  async (record) => {
    const order = JSON.parse(record.body) as OrderEvent;
    ledger.push({ orderId: order.orderId, type: order.type, amount: order.amount });
    if (order.type === 'OrderPlaced') await captureOnce({ orderId: order.orderId, amount: order.amount });
    return { posted: order.eventId };
  },
  { store, key: 'body.eventId', concurrency: 5 },
);
