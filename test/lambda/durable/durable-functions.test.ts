import type { DurableContext, DurableLambdaHandler } from '@aws/durable-execution-sdk-js';
import type { LocalDurableTestRunner as LocalRunner } from '@aws/durable-execution-sdk-js-testing';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { hashMaterial } from '../../../src/engine/hash.js';
import { DynamoDBStore, IdempotencyConfigError, InProgressError, makeIdempotent } from '../../../src/index.js';
import { deferred, uniqueKey } from '../../support/fixtures.js';
import { durableSdkRuns, useDurableEnvironment } from './support.js';

type DurableLambda = DurableLambdaHandler;

interface Order {
  orderId: string;
}

interface Shipped {
  orderId: string;
  charge: string;
  parcel: string;
}

/** What the workflow's steps did: their side effects, counted where they happen. */
interface Effects {
  charges: string[];
  parcels: string[];
  /** Every start of the workflow's body: the first invocation and each replay. */
  bodyRuns: number;
}

const newEffects = (): Effects => ({ charges: [], parcels: [], bodyRuns: 0 });

describe.skipIf(!durableSdkRuns)('durable functions (needs Node 22: the durable SDK requires it)', () => {
  const environment = useDurableEnvironment();

  /** Charge, wait (the invocation suspends, the next one replays from the start), ship. */
  function orderWorkflow(effects: Effects, beforeShipping?: () => Promise<void>) {
    return async (order: Order, context: DurableContext): Promise<Shipped> => {
      effects.bodyRuns++;
      const charge = await context.step('charge', async () => {
        effects.charges.push(order.orderId);
        return `charge-${effects.charges.length}`;
      });
      await context.wait('cool-off', { seconds: 1 });
      const parcel = await context.step('ship', async () => {
        await beforeShipping?.();
        effects.parcels.push(order.orderId);
        return `parcel-${effects.parcels.length}`;
      });
      return { orderId: order.orderId, charge, parcel };
    };
  }

  function idempotentWorkflow(effects: Effects, keyPrefix: string, beforeShipping?: () => Promise<void>): DurableLambda {
    return environment.sdk.withDurableExecution(
      makeIdempotent(orderWorkflow(effects, beforeShipping), { store: environment.fixture.store, key: 'orderId', keyPrefix }),
    );
  }

  function runner(handlerFunction: DurableLambda): LocalRunner {
    return new environment.testing.LocalDurableTestRunner({ handlerFunction });
  }

  const recordOf = async (keyPrefix: string, orderId: string) =>
    (await environment.fixture.rawItem(`${keyPrefix}#${hashMaterial(orderId)}`)) as Record<string, AttributeValue> | undefined;

  it('replays its own claim across the wait and stores the result once, at completion', async () => {
    const effects = newEffects();
    const keyPrefix = `durable-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    let seenWhileRunning: Awaited<ReturnType<typeof recordOf>>;
    const execution = await runner(
      idempotentWorkflow(effects, keyPrefix, async () => {
        seenWhileRunning = await recordOf(keyPrefix, order.orderId);
      }),
    ).run({ payload: order });

    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(execution.getResult()).toEqual({ orderId: order.orderId, charge: 'charge-1', parcel: 'parcel-1' });
    // The wait ended the first invocation; a second one replayed the body and met its own claim.
    expect(effects.bodyRuns).toBeGreaterThanOrEqual(2);
    expect(effects.charges).toEqual([order.orderId]);
    // After the suspension the record is still a claim without a result: the suspension was not stored.
    expect(seenWhileRunning?.status?.S).toBe('INPROGRESS');
    expect(seenWhileRunning?.result).toBeUndefined();
    const stored = await recordOf(keyPrefix, order.orderId);
    expect(stored?.status?.S).toBe('COMPLETED');
    expect(stored?.lease?.S).toBe(seenWhileRunning?.lease?.S);
    // The claim lasts as long as the execution can (366 days by default), not one invocation.
    const claimedForMs = Number(seenWhileRunning?.in_progress_expiration?.N) - Date.now();
    expect(claimedForMs).toBeGreaterThan(365 * 24 * 3600 * 1000);
  });

  it('a second execution for the same event replays the first one result without running a step', async () => {
    const effects = newEffects();
    const keyPrefix = `durable-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    const handler = idempotentWorkflow(effects, keyPrefix);
    const first = await runner(handler).run({ payload: order });
    const second = await runner(handler).run({ payload: order });

    expect(first.getStatus()).toBe('SUCCEEDED');
    expect(second.getStatus()).toBe('SUCCEEDED');
    expect(second.getResult()).toEqual(first.getResult());
    expect(effects.charges).toEqual([order.orderId]);
    expect(effects.parcels).toEqual([order.orderId]);
    // The second execution ran no step of its own: it returned the stored result at once.
    expect(second.getOperations()).toHaveLength(0);
  });

  it('a second execution while the first is still running is refused with InProgressError', async () => {
    const effects = newEffects();
    const keyPrefix = `durable-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    const shipping = deferred();
    const reachedShipping = deferred();
    const handler = idempotentWorkflow(effects, keyPrefix, async () => {
      reachedShipping.resolve();
      await shipping.promise;
    });
    const first = runner(handler).run({ payload: order });
    await reachedShipping.promise;
    const second = await runner(handler).run({ payload: order });
    shipping.resolve();

    expect(second.getStatus()).toBe('FAILED');
    expect(second.getError().errorType).toBe(new InProgressError('x', undefined).name);
    expect((await first).getStatus()).toBe('SUCCEEDED');
    expect(effects.charges).toEqual([order.orderId]);
    expect(effects.parcels).toEqual([order.orderId]);
  });

  it('an invocation that crashed mid-step is replayed by a new process that re-acquires the claim', async () => {
    const keyPrefix = `durable-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    const effects = newEffects();
    const shippingStarted = deferred();
    /**
     * Charge, then wait and ship side by side: while the step runs the invocation cannot suspend, so
     * the wait's timer is what brings the next invocation after the crash.
     */
    const workflow =
      (beforeShipping?: () => Promise<void>) =>
      async (input: Order, context: DurableContext): Promise<Shipped> => {
        effects.bodyRuns++;
        const charge = await context.step('charge', async () => {
          effects.charges.push(input.orderId);
          return `charge-${effects.charges.length}`;
        });
        const [, parcel] = await Promise.all([
          // 2 s: the crashed invocation must have returned before this timer brings the next one.
          context.wait('cool-off', { seconds: 2 }),
          context.step('ship', async () => {
            await beforeShipping?.();
            effects.parcels.push(input.orderId);
            return `parcel-${effects.parcels.length}`;
          }),
        ]);
        return { orderId: input.orderId, charge, parcel };
      };
    // Two "processes": each its own store client and engine; only the table is shared.
    const processOptions = () => ({
      store: new DynamoDBStore({ tableName: environment.fixture.table.name }),
      key: 'orderId' as const,
      keyPrefix,
    });
    const crashing = environment.sdk.withDurableExecution(
      makeIdempotent(
        workflow(() => {
          shippingStarted.resolve();
          // The process dies here: the step never finishes and nothing after it runs.
          return new Promise<void>(() => undefined);
        }),
        processOptions(),
      ),
    );
    const restarted = environment.sdk.withDurableExecution(makeIdempotent(workflow(), processOptions()));

    let invocations = 0;
    let claimAtRestart: Awaited<ReturnType<typeof recordOf>>;
    const local = runner(async (event, context) => {
      invocations++;
      if (invocations > 1) {
        claimAtRestart ??= await recordOf(keyPrefix, order.orderId);
        return restarted(event, context);
      }
      crashing(event, context).catch(() => undefined);
      await shippingStarted.promise;
      await local.getOperation('cool-off').waitForData(environment.testing.WaitingOperationStatus.STARTED);
      // What Lambda reports of a crashed invocation: no result; the service invokes again.
      return { Status: environment.sdk.InvocationStatus.PENDING };
    });
    const execution = await local.run({ payload: order });

    expect(execution.getStatus()).toBe('SUCCEEDED');
    expect(execution.getResult()).toEqual({ orderId: order.orderId, charge: 'charge-1', parcel: 'parcel-1' });
    expect(invocations).toBeGreaterThanOrEqual(2);
    // The crashed invocation's claim was still there, and the new process took it as its own.
    expect(claimAtRestart?.status?.S).toBe('INPROGRESS');
    // The checkpointed charge was replayed, not repeated; the interrupted step ran to its end once.
    expect(effects.charges).toEqual([order.orderId]);
    expect(effects.parcels).toEqual([order.orderId]);
    expect((await recordOf(keyPrefix, order.orderId))?.status?.S).toBe('COMPLETED');
  });

  it('an execution that fails releases its claim, so a new execution for the same event runs', async () => {
    const keyPrefix = `durable-${uniqueKey()}`;
    const order = { orderId: uniqueKey() };
    const effects = newEffects();
    let failNext = true;
    const handler = environment.sdk.withDurableExecution(
      makeIdempotent(
        async (input: Order, context: DurableContext) => {
          const shipped = await orderWorkflow(effects)(input, context);
          if (failNext) {
            failNext = false;
            throw new Error('the carrier rejected the parcel');
          }
          return shipped;
        },
        { store: environment.fixture.store, key: 'orderId', keyPrefix },
      ),
    );

    const failed = await runner(handler).run({ payload: order });
    expect(failed.getStatus()).toBe('FAILED');
    expect(failed.getError().errorMessage).toBe('the carrier rejected the parcel');
    expect(await recordOf(keyPrefix, order.orderId)).toBeUndefined();

    const retried = await runner(handler).run({ payload: order });
    expect(retried.getStatus()).toBe('SUCCEEDED');
    expect(effects.charges).toEqual([order.orderId, order.orderId]);
    expect((await recordOf(keyPrefix, order.orderId))?.status?.S).toBe('COMPLETED');
  });

  it('makeIdempotent placed outside withDurableExecution is refused with the order that works', async () => {
    const effects = newEffects();
    const outside = makeIdempotent(environment.sdk.withDurableExecution(orderWorkflow(effects)), {
      store: environment.fixture.store,
      keyPrefix: `durable-${uniqueKey()}`,
    }) as DurableLambda;
    await expect(runner(outside).run({ payload: { orderId: uniqueKey() } })).rejects.toThrow(IdempotencyConfigError);
    expect(effects.bodyRuns).toBe(0);
  });
});
