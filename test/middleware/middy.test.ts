import middy6 from '@middy/core';
import type { Context } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { type IdempotencyOptions, idempotency } from '../../src/index.js';
import { adapterGlue, type OrderEvent } from '../support/adapter-glue.js';
import { lambdaContext, uniqueKey, useStoreFixture } from '../support/fixtures.js';

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
  // The glue makeIdempotent has too (test/wrapper/make-idempotent.test.ts runs the same tests).
  adapterGlue((handler, options) => wrap(handler, { ...options, key: 'orderId' }), fixture);

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
});
