import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InProgressError, idempotentBatch, MissingIdempotencyKeyError } from '../../src/index.js';
import { deferred, useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

interface OrderPlaced {
  orderId: string;
  amount: number;
}
type OrderPlacedEvent = EventBridgeEvent<'OrderPlaced', OrderPlaced>;

const fixture = useStoreFixture();

describe('idempotentBatch with EventBridge', () => {
  it('keys the event by its id, returns the handler result and replays it on a duplicate', async () => {
    let runs = 0;
    const handler = idempotentBatch(
      async (event: OrderPlacedEvent) => {
        runs++;
        return { orderId: event.detail.orderId, invoice: `inv-${runs}` };
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();
    const first = await handler(sampleEvent('eventbridge'), context);
    const redelivered = await handler(sampleEvent('eventbridge'), context);
    expect(first).toEqual({ orderId: 'order-5001', invoice: 'inv-1' });
    expect(redelivered).toEqual(first);
    expect(runs).toBe(1);

    const another = sampleEvent<OrderPlacedEvent>('eventbridge');
    another.id = 'b1e4a0f2-5c3d-4e8a-9f7b-2d6c8e0a4b13';
    expect(await handler(another, context)).toEqual({ orderId: 'order-5001', invoice: 'inv-2' });
  });

  it('hands a duplicate event and its stored result to onDuplicate', async () => {
    const duplicates: unknown[][] = [];
    const handler = idempotentBatch(async (event: OrderPlacedEvent) => ({ orderId: event.detail.orderId }), {
      store: fixture.store,
      logger: recordingLogger(),
      onDuplicate: (event, stored) => void duplicates.push([event.id, stored]),
    });
    const event = sampleEvent<OrderPlacedEvent>('eventbridge');
    event.id = `dup-${Date.now()}-${Math.random()}`;
    const context = freshContext();
    await handler(event, context);
    expect(duplicates).toEqual([]);
    await handler(structuredClone(event), context);
    expect(duplicates).toEqual([[event.id, { orderId: 'order-5001' }]]);
  });

  it('rethrows a failure and releases the event, so the retry runs it', async () => {
    let runs = 0;
    const handler = idempotentBatch(
      async (_event: OrderPlacedEvent) => {
        runs++;
        if (runs === 1) throw new Error('invoice service down');
        return 'invoiced';
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();
    await expect(handler(sampleEvent('eventbridge'), context)).rejects.toThrow('invoice service down');
    expect(await handler(sampleEvent('eventbridge'), context)).toBe('invoiced');
    expect(runs).toBe(2);
  });

  it('fails with InProgressError while another invocation holds the event, so Lambda retries it later', async () => {
    const gate = deferred();
    const started = deferred();
    const handler = idempotentBatch(
      async (_event: OrderPlacedEvent) => {
        started.resolve();
        await gate.promise;
        return 'invoiced';
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();
    const owner = handler(sampleEvent('eventbridge'), context);
    await started.promise;
    await expect(handler(sampleEvent('eventbridge'), context)).rejects.toThrow(InProgressError);
    gate.resolve();
    expect(await owner).toBe('invoiced');
    expect(await handler(sampleEvent('eventbridge'), context)).toBe('invoiced');
  });

  it('can key by a detail field, and names a missing key', async () => {
    const handler = idempotentBatch(async (event: OrderPlacedEvent) => event.detail.amount, {
      store: fixture.store,
      key: 'detail.orderId',
      logger: recordingLogger(),
    });
    const context = freshContext();
    const resent = sampleEvent<OrderPlacedEvent>('eventbridge');
    resent.id = 'c2f5b1a3-6d4e-4f9b-8a0c-3e7d9f1b5c24';
    resent.detail.amount = 1;
    expect(await handler(sampleEvent('eventbridge'), context)).toBe(4200);
    expect(await handler(resent, context)).toBe(4200);

    const keyless = sampleEvent<OrderPlacedEvent>('eventbridge');
    delete (keyless.detail as Partial<OrderPlaced>).orderId;
    await expect(handler(keyless, context)).rejects.toThrow(MissingIdempotencyKeyError);
  });
});
