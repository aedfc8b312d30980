import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalDynamoDB } from './local-dynamodb.js';

let stopDynamoDB: () => Promise<void>;
beforeAll(async () => {
  stopDynamoDB = await startLocalDynamoDB();
});
afterAll(() => stopDynamoDB());

const context = { functionName: 'create-order', getRemainingTimeInMillis: () => 30_000 } as Context;

it('creates an order once and replays it to a retry', async () => {
  // Imported once the environment names the local table: the store reads it when the module loads.
  const { handler } = await import('./handler.js');
  const event = { orderId: 'order-1001', amount: 2500 };

  const first = await handler(event, context);
  const retry = await handler(event, context);

  expect(retry).toEqual(first);
});
