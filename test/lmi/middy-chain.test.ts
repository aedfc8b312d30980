import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { idempotency, makeIdempotent } from '../../src/index.js';
import { uniqueKey, useStoreFixture } from '../support/fixtures.js';
import {
  claimExpiryOf,
  contextWithDeadline,
  DEADLINE_TOLERANCE_MS,
  functionNameFor,
  interleaver,
  spacedDeadlines,
} from './support.js';

const fixture = useStoreFixture();

interface OrderEvent {
  orderId: string;
}
type Handler = (event: OrderEvent, context: Context) => Promise<number>;
type Chain = { use(middleware: unknown): Chain } & Handler;
const middies: [string, (handler: Handler) => Chain][] = [
  ['Middy 6', middy6 as never],
  ['Middy 7', middy7 as never],
];

describe.each(middies)('%s: the middleware among others that await', (label, middy) => {
  it('scopes the handler to its own invocation wherever the middleware sits and whatever the others do', async () => {
    const functionName = functionNameFor(label);
    const gate = interleaver(0xc4a1);
    // Middy 6 awaits the before stack in a nested function: a scope entered inside one `before`
    // would end with it. Middlewares that await around this one, and one that replaces the
    // context with a copy, must not move the handler out of its invocation.
    const awaitingBefore = { before: async () => gate.pause() };
    const contextCopier = {
      before: async (request: { context: Context }) => {
        await gate.pause();
        request.context = { ...request.context };
      },
    };
    const charge = makeIdempotent(
      async (payment: { paymentId: string }) => claimExpiryOf(fixture, `${functionName}:charge`, payment.paymentId),
      { store: fixture.store, key: 'paymentId', name: 'charge' },
    );
    const handler = middy(async (event) => {
      await gate.pause();
      return charge({ paymentId: event.orderId });
    })
      .use(awaitingBefore)
      .use(idempotency<OrderEvent>({ store: fixture.store, key: 'orderId' }))
      .use(awaitingBefore)
      .use(contextCopier);

    const orders = Array.from({ length: 24 }, () => uniqueKey());
    const deadlines = spacedDeadlines(orders.length);
    const claims = await gate.drive(
      orders.map((orderId, index) => handler({ orderId }, contextWithDeadline(deadlines[index] as number, functionName))),
    );
    for (const [index, claimUntil] of claims.entries()) {
      expect(Math.abs(claimUntil - (deadlines[index] as number))).toBeLessThanOrEqual(DEADLINE_TOLERANCE_MS);
    }
  });
});
