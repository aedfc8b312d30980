import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { DynamoDBStore, IdempotencyConfigError, idempotency, idempotentBatch, makeIdempotent } from '../../src/index.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

const fixture = useStoreFixture();

/** From here on, setup runs as inside a Lambda, where the runtime names the function in the environment. */
function insideLambda(functionName: string): void {
  process.env.AWS_LAMBDA_FUNCTION_NAME = functionName;
}
const savedFunctionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
afterEach(() => {
  if (savedFunctionName === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  else process.env.AWS_LAMBDA_FUNCTION_NAME = savedFunctionName;
});

describe('record scope', () => {
  it('keeps a record id independent of the wrapped function name, so the next (minified) build replays it', async () => {
    const ran: string[] = [];
    // The same function as two builds name it: unminified, then renamed by esbuild --minify.
    async function chargeCard(order: { orderId: string }, _context: Context) {
      ran.push('first build');
      return { charged: order.orderId };
    }
    async function Ot(order: { orderId: string }, _context: Context) {
      ran.push('second build');
      return { charged: `${order.orderId} again` };
    }
    const firstBuild = makeIdempotent(chargeCard, { store: fixture.store, key: 'orderId' });
    const secondBuild = makeIdempotent(Ot, { store: fixture.store, key: 'orderId' });
    const orderId = uniqueKey();
    const context = lambdaContext(30_000, 'payments-fn');

    expect(await firstBuild({ orderId }, context)).toEqual({ charged: orderId });
    expect(await secondBuild({ orderId }, context)).toEqual({ charged: orderId });
    expect(ran).toEqual(['first build']);
    // The id is the function's name and the key's hash: nothing a bundler can change.
    expect(await fixture.rawItem(`payments-fn#${hashMaterial(orderId)}`)).toMatchObject({ status: { S: 'COMPLETED' } });
  });

  it('runs an anonymous handler (the Powertools pattern) and replays it, with Lambda types for its untyped parameters', async () => {
    let runs = 0;
    const handler = makeIdempotent(
      async (event, context) => {
        expectTypeOf(event).toEqualTypeOf<Record<string, unknown>>();
        expectTypeOf(context).toEqualTypeOf<Context>();
        runs++;
        return { orderId: event.orderId, requestId: context.awsRequestId };
      },
      { store: fixture.store, key: 'orderId' },
    );
    const orderId = uniqueKey();
    const first = await handler({ orderId }, lambdaContext());
    const retry = await handler({ orderId }, lambdaContext());

    expect(retry).toEqual(first);
    expect(runs).toBe(1);
  });

  it('keeps two named instances apart, and lets two with one name share records', async () => {
    const calls: string[] = [];
    const charge = makeIdempotent(async (_order: { orderId: string }, _context: Context) => calls.push('charge'), {
      store: fixture.store,
      key: 'orderId',
      name: 'charge-card',
    });
    const receipt = makeIdempotent(async (_order: { orderId: string }, _context: Context) => calls.push('receipt'), {
      store: fixture.store,
      key: 'orderId',
      name: 'send-receipt',
    });
    const receiptElsewhere = makeIdempotent(
      async (_order: { orderId: string }, _context: Context) => calls.push('receipt again'),
      {
        store: fixture.store,
        key: 'orderId',
        name: 'send-receipt',
      },
    );
    const orderId = uniqueKey();
    const context = lambdaContext(30_000, 'orders-fn');

    await charge({ orderId }, context);
    await receipt({ orderId }, context);
    await receiptElsewhere({ orderId }, context);
    expect(calls).toEqual(['charge', 'receipt']);
    expect(await fixture.rawItem(`orders-fn:charge-card#${hashMaterial(orderId)}`)).toBeDefined();
  });

  it('refuses, at setup inside a Lambda, a second instance without a name that would share the first one records', () => {
    insideLambda(`scope-${uniqueKey()}`);
    const store = new DynamoDBStore({ tableName: fixture.table.name });
    makeIdempotent(async (order: { orderId: string }) => order, { store, key: 'orderId' });

    expect(() => idempotency({ store, key: 'orderId' })).toThrow(IdempotencyConfigError);
    expect(() => makeIdempotent(async (order: { orderId: string }) => order, { store, key: 'orderId' })).toThrow(
      /use one store without a "name".*Give each a distinct "name" option/,
    );
  });

  it('accepts several instances inside a Lambda when each is named, prefixed, of another adapter or on another store', () => {
    insideLambda(`scope-${uniqueKey()}`);
    const store = new DynamoDBStore({ tableName: fixture.table.name });
    makeIdempotent(async (order: { orderId: string }) => order, { store, key: 'orderId' });

    expect(() => {
      idempotency({ store, key: 'orderId', name: 'handler' });
      makeIdempotent(async (order: { orderId: string }) => order, { store, key: 'orderId', keyPrefix: 'pinned' });
      idempotentBatch(async () => undefined, { store });
      makeIdempotent(async (order: { orderId: string }) => order, {
        store: new DynamoDBStore({ tableName: fixture.table.name }),
      });
    }).not.toThrow();
  });

  it('refuses a name or a keyPrefix that is empty, and both together', () => {
    const store = fixture.store;
    expect(() => makeIdempotent(async () => 1, { store, name: '' })).toThrow(/Option "name" must be a non-empty string/);
    expect(() => makeIdempotent(async () => 1, { store, keyPrefix: '' })).toThrow(/Option "keyPrefix"/);
    expect(() => makeIdempotent(async () => 1, { store, name: 'a', keyPrefix: 'b' })).toThrow(/cannot be combined/);
  });
});
