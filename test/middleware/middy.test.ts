import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { type IdempotencyOptions, InProgressError, idempotency } from '../../src/index.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

interface OrderEvent {
  orderId: string;
  amount: number;
}

const fixture = useStoreFixture();

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
interface AfterMiddleware {
  after(request: { response: unknown }): Promise<void>;
}
/** Wraps a handler with Middy and the idempotency middleware used first, then `others`. */
type Wrap = <E, R>(
  handler: (event: E) => Promise<R>,
  options: IdempotencyOptions<E>,
  ...others: AfterMiddleware[]
) => Handler<E, R>;

// Each version is written out in full, so the type checker proves `.use(idempotency(...))` against both.
const wrapWithMiddy6: Wrap = (handler, options, ...others) => {
  const wrapped = middy6(handler).use(idempotency(options));
  for (const other of others) wrapped.use(other);
  return wrapped;
};
const wrapWithMiddy7: Wrap = (handler, options, ...others) => {
  const wrapped = middy7(handler).use(idempotency(options));
  for (const other of others) wrapped.use(other);
  return wrapped;
};

describe.each([
  ['Middy 6', wrapWithMiddy6],
  ['Middy 7', wrapWithMiddy7],
])('%s', (_version, wrap) => {
  it('replays the stored response to a duplicate without running the handler', async () => {
    let executions = 0;
    const handler = wrap(
      async (event: OrderEvent) => {
        executions++;
        return { orderId: event.orderId, status: 'created', execution: executions };
      },
      { store: fixture.store, key: 'orderId' },
    );
    const event = { orderId: uniqueKey(), amount: 5 };

    const first = await handler(event, lambdaContext());
    const second = await handler(event, lambdaContext());

    expect(executions).toBe(1);
    expect(second).toEqual(first);
  });

  it('stores and replays a handler that returns undefined', async () => {
    let executions = 0;
    const handler = wrap(
      async (_event: OrderEvent): Promise<undefined> => {
        executions++;
        return undefined;
      },
      { store: fixture.store, key: 'orderId' },
    );
    const event = { orderId: uniqueKey(), amount: 5 };

    expect(await handler(event, lambdaContext())).toBeUndefined();
    expect(await handler(event, lambdaContext())).toBeUndefined();
    expect(executions).toBe(1);
  });

  it('stores and replays null', async () => {
    let executions = 0;
    const handler = wrap(
      async (_event: OrderEvent) => {
        executions++;
        return null;
      },
      { store: fixture.store, key: 'orderId' },
    );
    const event = { orderId: uniqueKey(), amount: 5 };

    expect(await handler(event, lambdaContext())).toBeNull();
    expect(await handler(event, lambdaContext())).toBeNull();
    expect(executions).toBe(1);
  });

  it('releases the claim when the handler throws, so the retry runs again', async () => {
    let executions = 0;
    const handler = wrap(
      async (event: OrderEvent) => {
        executions++;
        if (executions === 1) throw new Error('downstream unavailable');
        return event.amount;
      },
      { store: fixture.store, key: 'orderId' },
    );
    const event = { orderId: uniqueKey(), amount: 7 };

    await expect(handler(event, lambdaContext())).rejects.toThrow('downstream unavailable');
    expect(await handler(event, lambdaContext())).toBe(7);
    expect(await handler(event, lambdaContext())).toBe(7);
    expect(executions).toBe(2);
  });

  it('never deletes a claim it does not hold: an in-progress duplicate leaves the owner record alone', async () => {
    const ownerMayFinish = deferred();
    let executions = 0;
    const handler = wrap(
      async (event: OrderEvent) => {
        executions++;
        await ownerMayFinish.promise;
        return event.amount;
      },
      { store: fixture.store, key: 'orderId' },
    );
    const event = { orderId: uniqueKey(), amount: 3 };

    const owner = handler(event, lambdaContext());
    while (executions === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    ownerMayFinish.resolve();

    expect(await owner).toBe(3);
    expect(await handler(event, lambdaContext())).toBe(3);
    expect(executions).toBe(1);
  });

  it('stores the response other after-middlewares produced when used first, so a replay matches it', async () => {
    let executions = 0;
    const wrapInEnvelope = {
      after: async (request: { response: unknown }) => {
        request.response = { envelope: request.response };
      },
    };
    const handler = wrap(
      async (event: OrderEvent) => {
        executions++;
        return event.amount * 2;
      },
      { store: fixture.store, key: 'orderId' },
      wrapInEnvelope,
    );
    const event = { orderId: uniqueKey(), amount: 21 };

    const first = await handler(event, lambdaContext());
    const replay = await handler(event, lambdaContext());

    expect(first).toEqual({ envelope: 42 });
    expect(replay).toEqual({ envelope: 42 });
    expect(executions).toBe(1);
  });

  it('takes the claim duration from the Lambda context', async () => {
    const clockStart = Date.now();
    let now = clockStart;
    const ownerMayFinish = deferred();
    let executions = 0;
    const handler = wrap(
      async (_event: OrderEvent) => {
        executions++;
        if (executions === 1) await ownerMayFinish.promise;
        return executions;
      },
      { store: fixture.store, key: 'orderId', clock: () => now, logger: { warn: () => undefined } },
    );
    const event = { orderId: uniqueKey(), amount: 1 };
    const shortLived: Context = lambdaContext(2_000);

    const owner = handler(event, shortLived);
    while (executions === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The default 3 s clock-skew margin: no duplicate takes over before then.
    now = clockStart + 4_999;
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    now = clockStart + 5_001;
    expect(await handler(event, lambdaContext())).toBe(2);
    ownerMayFinish.resolve();
    await owner;
  });
});
