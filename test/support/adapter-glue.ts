import type { Context } from 'aws-lambda';
import { expect, it } from 'vitest';
import { type IdempotencyOptions, InProgressError } from '../../src/index.js';
import { deferred, lambdaContext, type StoreFixture, uniqueKey } from './fixtures.js';

/** The event every glue test sends, keyed by `orderId`. */
export interface OrderEvent {
  orderId: string;
  amount: number;
}

/** The options a glue test sets; the adapter adds `key: 'orderId'` in its own way. */
export type GlueOptions = Pick<IdempotencyOptions<OrderEvent>, 'store' | 'clock' | 'logger'>;

/** An adapter as a handler author uses it: `handler` made idempotent, called as Lambda calls it. */
export type Wrap = (
  handler: (event: OrderEvent) => Promise<unknown>,
  options: GlueOptions,
) => (event: OrderEvent, context: Context) => Promise<unknown>;

/**
 * What every adapter that wraps a whole handler (makeIdempotent, the Middy middleware on Middy 6 and
 * 7) must do between Lambda and the engine, registered as tests in the calling `describe`: hand the
 * engine the event and the context's remaining time, run the handler on a claim, return or rethrow
 * what it gave, replay to duplicates. The engine's own rules (lapse, fencing, waiting, lost
 * responses) are specified once, in test/engine/.
 */
export function adapterGlue(wrap: Wrap, fixture: StoreFixture): void {
  it('replays the stored response to a duplicate without running the handler', async () => {
    let executions = 0;
    const handler = wrap(
      async (event) => {
        executions++;
        return { orderId: event.orderId, status: 'created', execution: executions };
      },
      { store: fixture.store },
    );
    const event = { orderId: uniqueKey(), amount: 5 };

    const first = await handler(event, lambdaContext());
    const second = await handler(event, lambdaContext());

    expect(executions).toBe(1);
    expect(second).toEqual(first);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('stores and replays a handler that returns %s', async (_name, result) => {
    let executions = 0;
    const handler = wrap(
      async () => {
        executions++;
        return result;
      },
      { store: fixture.store },
    );
    const event = { orderId: uniqueKey(), amount: 5 };

    expect(await handler(event, lambdaContext())).toBe(result);
    expect(await handler(event, lambdaContext())).toBe(result);
    expect(executions).toBe(1);
  });

  it('rethrows what the handler threw and releases the claim, so the retry runs again', async () => {
    let executions = 0;
    const failure = new Error('downstream unavailable');
    const handler = wrap(
      async (event) => {
        executions++;
        if (executions === 1) throw failure;
        return event.amount;
      },
      { store: fixture.store },
    );
    const event = { orderId: uniqueKey(), amount: 7 };

    await expect(handler(event, lambdaContext())).rejects.toBe(failure);
    expect(await handler(event, lambdaContext())).toBe(7);
    expect(await handler(event, lambdaContext())).toBe(7);
    expect(executions).toBe(2);
  });

  it('keys by the event as it arrived: a handler that changes its input completes the record it claimed', async () => {
    let executions = 0;
    const handler = wrap(
      async (event) => {
        executions++;
        event.orderId = 'changed-by-handler';
        return 'ok';
      },
      { store: fixture.store },
    );
    const orderId = uniqueKey();

    await handler({ orderId, amount: 1 }, lambdaContext());
    await handler({ orderId, amount: 1 }, lambdaContext());

    expect(executions).toBe(1);
  });

  it('never deletes a claim it does not hold: an in-progress duplicate leaves the owner record alone', async () => {
    const ownerMayFinish = deferred();
    let executions = 0;
    const handler = wrap(
      async (event) => {
        executions++;
        await ownerMayFinish.promise;
        return event.amount;
      },
      { store: fixture.store },
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

  it('takes the claim duration from the Lambda context', async () => {
    const clockStart = Date.now();
    let now = clockStart;
    const ownerMayFinish = deferred();
    let executions = 0;
    const handler = wrap(
      async () => {
        executions++;
        if (executions === 1) await ownerMayFinish.promise;
        return executions;
      },
      { store: fixture.store, clock: () => now, logger: { warn: () => undefined } },
    );
    const event = { orderId: uniqueKey(), amount: 1 };

    const owner = handler(event, lambdaContext(2_000));
    while (executions === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The default 3 s clock-skew margin: no duplicate takes over before then.
    now = clockStart + 4_999;
    await expect(handler(event, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    now = clockStart + 5_001;
    expect(await handler(event, lambdaContext())).toBe(2);
    ownerMayFinish.resolve();
    await owner;
  });
}
