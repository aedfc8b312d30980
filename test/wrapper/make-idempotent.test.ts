import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { IdempotencyConfigError, InProgressError, makeIdempotent } from '../../src/index.js';
import { adapterGlue, type OrderEvent } from '../support/adapter-glue.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

// makeIdempotent's glue: how it reads its arguments. The engine's rules are test/engine/'s; the
// same calls on DynamoDB, counted and faulted, are test/stores/dynamodb/end-to-end.test.ts.

const fixture = useStoreFixture();

describe('makeIdempotent', () => {
  // The glue the Middy middleware has too (test/middleware/middy.test.ts runs the same tests).
  adapterGlue(
    (handler, options) =>
      makeIdempotent(async (event: OrderEvent, _context: Context) => handler(event), { ...options, key: 'orderId' }),
    fixture,
  );

  it('keys by the whole first argument when no key is given', async () => {
    let executions = 0;
    const idempotent = makeIdempotent(
      async (order: { orderId: string; amount: number }) => {
        executions++;
        return order.amount;
      },
      { store: fixture.store },
    );
    const orderId = uniqueKey();

    await idempotent({ orderId, amount: 1 });
    await idempotent({ amount: 1, orderId });
    await idempotent({ orderId, amount: 2 });

    expect(executions).toBe(2);
  });

  it('gives a key function every argument', async () => {
    let executions = 0;
    const charge = makeIdempotent(
      async (_order: { orderId: string }, attempt: { paymentId: string }) => {
        executions++;
        return attempt.paymentId;
      },
      { store: fixture.store, key: (_order, attempt) => attempt.paymentId },
    );
    const paymentId = uniqueKey();

    expect(await charge({ orderId: 'a' }, { paymentId })).toBe(paymentId);
    expect(await charge({ orderId: 'b' }, { paymentId })).toBe(paymentId);
    expect(executions).toBe(1);
  });

  it('runs without a Lambda context among its arguments, as a side effect inside a handler', async () => {
    let executions = 0;
    const charge = makeIdempotent(
      async (payment: { paymentId: string }) => {
        executions++;
        return `charged ${payment.paymentId}`;
      },
      { store: fixture.store, key: 'paymentId', name: 'charge-card' },
    );
    const paymentId = uniqueKey();

    expect(await charge({ paymentId })).toBe(`charged ${paymentId}`);
    expect(await charge({ paymentId })).toBe(`charged ${paymentId}`);
    expect(executions).toBe(1);
  });

  it('takes the claim duration from a Lambda context in any argument position', async () => {
    const start = Date.now();
    let now = start;
    const ownerMayFinish = deferred();
    let executions = 0;
    const idempotent = makeIdempotent(
      async (_order: { orderId: string }, _dryRun: boolean, _context: Context) => {
        executions++;
        if (executions === 1) await ownerMayFinish.promise;
        return executions;
      },
      { store: fixture.store, key: 'orderId', clock: () => now, logger: { warn: () => undefined } },
    );
    const order = { orderId: uniqueKey() };

    const owner = idempotent(order, false, lambdaContext(2_000));
    while (executions === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // 2 s of claim plus the default 3 s clock-skew margin.
    now = start + 4_999;
    await expect(idempotent(order, false, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    now = start + 5_001;
    expect(await idempotent(order, false, lambdaContext())).toBe(2);
    ownerMayFinish.resolve();
    await owner;
  });

  it('keeps `this` for a wrapped method', async () => {
    const ledger = {
      prefix: 'ledger',
      post: makeIdempotent(
        async function post(this: { prefix: string }, entry: { entryId: string }) {
          return `${this.prefix}:${entry.entryId}`;
        },
        { store: fixture.store, key: 'entryId', name: 'ledger-post' },
      ),
    };
    const entryId = uniqueKey();

    expect(await ledger.post({ entryId })).toBe(`ledger:${entryId}`);
  });

  it('refuses at setup something that is not a function', () => {
    expect(() => makeIdempotent(42 as never, { store: fixture.store })).toThrow(IdempotencyConfigError);
    expect(() => makeIdempotent(42 as never, { store: fixture.store })).toThrow('makeIdempotent needs a function to wrap.');
  });
});
