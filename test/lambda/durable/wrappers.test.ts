import type { DurableContext, DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { IdempotencyConfigError, idempotency, makeIdempotent } from '../../../src/index.js';
import { uniqueKey } from '../../support/fixtures.js';
import { durableSdkRuns, useDurableEnvironment } from './support.js';

type DurableLambda = DurableLambdaHandler;

interface Order {
  orderId: string;
}

describe.skipIf(!durableSdkRuns)('durable functions with each wrapper (needs Node 22: the durable SDK requires it)', () => {
  const environment = useDurableEnvironment();

  const run = (handlerFunction: DurableLambda, payload: Order) =>
    new environment.testing.LocalDurableTestRunner({ handlerFunction }).run({ payload });
  const recordOf = async (keyPrefix: string, material: string) =>
    (await environment.fixture.rawItem(`${keyPrefix}#${hashMaterial(material)}`)) as Record<string, AttributeValue> | undefined;

  /** A body that charges in a step and suspends once on a wait; counts its starts and charges. */
  function chargingBody() {
    const effects = { charges: [] as string[], bodyRuns: 0 };
    const body = async (order: Order, context: DurableContext) => {
      effects.bodyRuns++;
      const charge = await context.step('charge', async () => {
        effects.charges.push(order.orderId);
        return `charge-${effects.charges.length}`;
      });
      await context.wait('cool-off', { seconds: 1 });
      return { orderId: order.orderId, charge };
    };
    return { body, effects };
  }

  describe.each([
    {
      name: 'Middy 7 in durable mode (executionModeDurableContext)',
      build: async (body: ReturnType<typeof chargingBody>['body'], keyPrefix: string): Promise<DurableLambda> => {
        const { default: middy } = await import('middy-core-7');
        const { executionModeDurableContext } = await import('middy-core-7/DurableContext');
        // Middy 7's declarations type a durable handler's context as Lambda's; its runtime passes the DurableContext.
        const durableBody = body as unknown as (order: Order) => Promise<unknown>;
        return middy(durableBody, { executionMode: executionModeDurableContext }).use(
          idempotency<Order>({ store: environment.fixture.store, key: 'orderId', keyPrefix }),
        ) as unknown as DurableLambda;
      },
    },
    {
      name: 'a standard Middy handler inside withDurableExecution',
      build: async (body: ReturnType<typeof chargingBody>['body'], keyPrefix: string): Promise<DurableLambda> => {
        const { default: middy } = await import('@middy/core');
        // Middy 6 types the context as Lambda's; inside withDurableExecution it is the DurableContext.
        const handler = middy(body as unknown as (order: Order) => Promise<unknown>).use(
          idempotency<Order>({ store: environment.fixture.store, key: 'orderId', keyPrefix }),
        );
        return environment.sdk.withDurableExecution(
          handler as unknown as (event: Order, context: DurableContext) => Promise<unknown>,
        );
      },
    },
  ])('the Middy middleware: $name', ({ build }) => {
    it('holds its claim across the replays, stores the result at completion, replays it to a second execution', async () => {
      const keyPrefix = `middy-${uniqueKey()}`;
      const order = { orderId: uniqueKey() };
      const { body, effects } = chargingBody();
      const handler = await build(body, keyPrefix);

      const first = await run(handler, order);
      expect(first.getStatus()).toBe('SUCCEEDED');
      expect(first.getResult()).toEqual({ orderId: order.orderId, charge: 'charge-1' });
      expect(effects.bodyRuns).toBeGreaterThanOrEqual(2);
      expect((await recordOf(keyPrefix, order.orderId))?.status?.S).toBe('COMPLETED');

      const second = await run(handler, order);
      expect(second.getResult()).toEqual(first.getResult());
      expect(second.getOperations()).toHaveLength(0);
      expect(effects.charges).toEqual([order.orderId]);
    });
  });

  it('makeIdempotent around the function a step calls: a retried step replays the call instead of charging again', async () => {
    const keyPrefix = `step-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    const charges: string[] = [];
    const chargeCard = makeIdempotent(
      async (orderId: string) => {
        charges.push(orderId);
        return `charge-${charges.length}`;
      },
      { store: environment.fixture.store, keyPrefix },
    );
    let attempts = 0;
    const handler = environment.sdk.withDurableExecution(async (input: Order, context: DurableContext) => {
      const charge = await context.step(
        'charge',
        async () => {
          const receipt = await chargeCard(input.orderId);
          attempts++;
          // The charge went through, then the step failed (a timeout reading the reply, say).
          if (attempts === 1) throw new Error('connection reset after the charge');
          return receipt;
        },
        { retryStrategy: (_error, attempt) => ({ shouldRetry: attempt < 3, delay: { seconds: 1 } }) },
      );
      return { orderId: input.orderId, charge };
    });

    const execution = await run(handler, order);
    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
    expect(execution.getResult()).toEqual({ orderId: order.orderId, charge: 'charge-1' });
    expect(charges).toEqual([order.orderId]);
  });

  it('the middleware placed outside the durable SDK is refused with the order that works', async () => {
    const { default: middy } = await import('@middy/core');
    const { body, effects } = chargingBody();
    const outside = middy(environment.sdk.withDurableExecution(body)).use(
      idempotency({ store: environment.fixture.store, key: 'orderId', keyPrefix: `outside-${uniqueKey()}` }),
    ) as unknown as DurableLambda;
    const refused = run(outside, { orderId: uniqueKey() });
    await expect(refused).rejects.toThrow(IdempotencyConfigError);
    await expect(refused).rejects.toThrow(/executionModeDurableContext/);
    expect(effects.bodyRuns).toBe(0);
  });
});
