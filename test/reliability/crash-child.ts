/**
 * A Lambda-like process for the crash tests: it runs one idempotent invocation and is killed
 * (SIGKILL) by the test at a chosen point. Run as `node --import tsx crash-child.ts`.
 *
 * Environment: AWS_ENDPOINT_URL_DYNAMODB (the SDK's own variable), IDEMPOTENCY_TABLE, CRASH_ORDER_ID,
 * CRASH_REMAINING_MS (the invocation's remaining time, so its claim lasts that long), CRASH_LEDGER
 * (a file that gets one line per handler execution) and CRASH_AT: `handler` hangs inside the
 * handler, `result-write` returns from the handler so the process dies while storing the result.
 * With CRASH_ADAPTER=http, the invocation is a POST through Middy and `httpIdempotency`, keyed by
 * its Idempotency-Key header (CRASH_ORDER_ID).
 */
import { appendFileSync } from 'node:fs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DynamoDBStore, httpIdempotency, makeIdempotent } from '../../src/index.js';
import { httpPaymentEvent } from './crash-http-event.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`crash-child needs ${name}`);
  return value;
};

const remainingMs = Number(env('CRASH_REMAINING_MS'));
const deadline = Date.now() + remainingMs;
const context = {
  functionName: 'crash-test-fn',
  awsRequestId: `crash-${process.pid}`,
  getRemainingTimeInMillis: () => deadline - Date.now(),
} as Context;

// No client given: the SDK reads AWS_ENDPOINT_URL_DYNAMODB, as in a deployed function.
const store = new DynamoDBStore({ tableName: env('IDEMPOTENCY_TABLE') });

async function chargeOrder(order: { orderId: string }, _context: Context) {
  appendFileSync(env('CRASH_LEDGER'), `child ${process.pid} ${order.orderId}\n`);
  process.stdout.write('IN_HANDLER\n');
  // Hangs until killed: a pending promise alone would let the process exit once nothing else holds
  // its event loop (on a loaded runner it did, before the test's SIGKILL); the interval holds it.
  if (env('CRASH_AT') === 'handler') await new Promise(() => setInterval(() => undefined, 60_000));
  return { orderId: order.orderId, chargedBy: `child ${process.pid}` };
}

if (process.env.CRASH_ADAPTER === 'http') {
  const endpoint = middy(async () => {
    const order = await chargeOrder({ orderId: env('CRASH_ORDER_ID') }, context);
    return { statusCode: 201, body: JSON.stringify(order) };
  }).use(httpIdempotency({ store }));
  await endpoint(httpPaymentEvent(env('CRASH_ORDER_ID')), context);
} else {
  const charge = makeIdempotent(chargeOrder, { store, key: 'orderId' });
  await charge({ orderId: env('CRASH_ORDER_ID') }, context);
}
process.stdout.write('DONE\n');
