import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { InProgressError, idempotency, makeIdempotent } from '../../src/index.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

const fixture = useStoreFixture();

interface OrderEvent {
  orderId: string;
}
type Handler = (event: OrderEvent, context: Context) => Promise<unknown>;
type Middy = (handler: Handler, plugin?: { timeoutEarlyInMillis?: number }) => ReturnType<typeof middy6<OrderEvent, unknown>>;

const middies: [string, Middy][] = [
  ['Middy 6', middy6 as unknown as Middy],
  ['Middy 7', middy7 as unknown as Middy],
];

/** A response validator registered after the idempotency middleware: its `after` runs first. */
const rejectingValidator = {
  after: async () => {
    throw new Error('response failed validation');
  },
};

describe.each(middies)('%s: a claim whose handler may have run is never released', (_label, middy) => {
  it('completes with the handler response when a later middleware after throws, so the retry replays it', async () => {
    let executions = 0;
    const handler = middy(async (event) => {
      executions++;
      return { charged: event.orderId };
    })
      .use(idempotency<OrderEvent>({ store: fixture.store, key: 'orderId' }))
      .use(rejectingValidator);
    const orderId = uniqueKey();

    await expect(handler({ orderId }, lambdaContext())).rejects.toThrow('response failed validation');
    // The replay skips every other middleware: the retry receives the handler's own response.
    expect(await handler({ orderId }, lambdaContext())).toEqual({ charged: orderId });
    expect(executions).toBe(1);
  });

  it('still releases when the handler itself throws, so the retry runs again', async () => {
    let executions = 0;
    const handler = middy(async () => {
      executions++;
      if (executions === 1) throw new Error('card declined');
      return 'charged';
    }).use(idempotency<OrderEvent>({ store: fixture.store, key: 'orderId' }));
    const orderId = uniqueKey();

    await expect(handler({ orderId }, lambdaContext())).rejects.toThrow('card declined');
    expect(await handler({ orderId }, lambdaContext())).toBe('charged');
    expect(executions).toBe(2);
  });

  it('keeps the claim when timeoutEarly fails the invocation while the handler still runs', async () => {
    const handlerMayFinish = deferred();
    let executions = 0;
    const handler = middy(
      async () => {
        executions++;
        await handlerMayFinish.promise;
        return 'charged';
      },
      { timeoutEarlyInMillis: 1_900 },
    ).use(idempotency<OrderEvent>({ store: fixture.store, key: 'orderId' }));
    const orderId = uniqueKey();
    const deadline = Date.now() + 2_000;
    const context = lambdaContext(() => deadline - Date.now());

    await expect(handler({ orderId }, context)).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(handler({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    expect(executions).toBe(1);
    handlerMayFinish.resolve();
  });
});

/** An inner idempotent charge that signals when invocation `index` entered it, then waits for `mayFinish`. */
function blockingInnerCharge(name: string) {
  const innerRan = [deferred(), deferred()];
  const mayFinish = deferred();
  const chargeCard = makeIdempotent(
    async (payment: { paymentId: string; index: number }) => {
      innerRan[payment.index]?.resolve();
      await mayFinish.promise;
      return payment.paymentId;
    },
    { store: fixture.store, key: 'paymentId', name },
  );
  return { innerRan, mayFinish, chargeCard };
}

describe.each(middies)('%s: an inner makeIdempotent without a context', (_label, middy) => {
  it('claims for exactly its own invocation remaining time, also when invocations overlap', async () => {
    const { innerRan, mayFinish, chargeCard } = blockingInnerCharge('charge-card');
    const handler = middy(async (event: OrderEvent & { index?: number }) =>
      chargeCard({ paymentId: event.orderId, index: event.index ?? 0 }),
    ).use(idempotency<OrderEvent>({ store: fixture.store, key: 'orderId' }));
    const orders = [uniqueKey(), uniqueKey()];
    const remaining = [20_000, 40_000];
    const startedAt = Date.now();

    const invocations = orders.map((orderId, index) =>
      handler({ orderId, index } as unknown as OrderEvent, lambdaContext(remaining[index], 'orders-fn')),
    );
    await Promise.all(innerRan.map((ran) => ran.promise));
    for (const [index, orderId] of orders.entries()) {
      const item = await fixture.rawItem(`orders-fn:charge-card#${hashMaterial(orderId)}`);
      const until = Number((item?.in_progress_expiration as { N?: string } | undefined)?.N);
      // Each inner claim ends with its own invocation: not the other one's, not the 15-minute default.
      expect(until - startedAt).toBeGreaterThanOrEqual((remaining[index] ?? 0) - 1_000);
      expect(until - startedAt).toBeLessThanOrEqual((remaining[index] ?? 0) + 1_000);
    }
    mayFinish.resolve();
    expect(await Promise.all(invocations)).toEqual(orders);
  });
});

describe('an inner makeIdempotent outside any invocation', () => {
  it('claims for the configured inProgressTimeoutMs', async () => {
    const mayFinish = deferred();
    const entered = deferred();
    const charge = makeIdempotent(
      async (payment: { paymentId: string }) => {
        entered.resolve();
        await mayFinish.promise;
        return payment.paymentId;
      },
      { store: fixture.store, key: 'paymentId', inProgressTimeoutMs: 60_000 },
    );
    const paymentId = uniqueKey();
    const startedAt = Date.now();
    const running = charge({ paymentId });
    await entered.promise;
    const item = await fixture.rawItem(`default#${hashMaterial(paymentId)}`);
    const until = Number((item?.in_progress_expiration as { N?: string } | undefined)?.N);
    expect(until - startedAt).toBeGreaterThanOrEqual(59_000);
    expect(until - startedAt).toBeLessThanOrEqual(61_000);
    mayFinish.resolve();
    await running;
  });
});

describe('an inner makeIdempotent inside makeIdempotent or idempotentBatch', () => {
  it('claims for exactly its own invocation remaining time, with overlapping invocations kept apart', async () => {
    const { innerRan, mayFinish, chargeCard } = blockingInnerCharge('charge-card-inner');
    const handler = makeIdempotent(
      async (event: { orderId: string; index: number }, _context: Context) =>
        chargeCard({ paymentId: event.orderId, index: event.index }),
      { store: fixture.store, key: 'orderId', name: 'outer-handler' },
    );
    const orders = [uniqueKey(), uniqueKey()];
    const remaining = [20_000, 40_000];
    const startedAt = Date.now();

    const invocations = orders.map((orderId, index) => handler({ orderId, index }, lambdaContext(remaining[index], 'orders-fn')));
    await Promise.all(innerRan.map((ran) => ran.promise));
    for (const [index, orderId] of orders.entries()) {
      const item = await fixture.rawItem(`orders-fn:charge-card-inner#${hashMaterial(orderId)}`);
      const until = Number((item?.in_progress_expiration as { N?: string } | undefined)?.N);
      expect(until - startedAt).toBeGreaterThanOrEqual((remaining[index] ?? 0) - 1_000);
      expect(until - startedAt).toBeLessThanOrEqual((remaining[index] ?? 0) + 1_000);
    }
    mayFinish.resolve();
    expect(await Promise.all(invocations)).toEqual(orders);
  });
});
