import { describe, expect, it, vi } from 'vitest';
import { InProgressError } from '../../src/errors.js';
import { gate, REMAINING_MS, spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('a key in progress', () => {
  it('lets exactly one of many concurrent invocations run the handler; every other gets InProgressError', async () => {
    const { engine, request, handler } = spec();
    const ownerMayFinish = gate();
    const charge = handler(async (order) => {
      await ownerMayFinish.promise;
      return { receipt: order.orderId };
    });

    const outcomes = Array.from({ length: 50 }, () => engine.run(request('order-1'), charge.for({ orderId: 'order-1' })));
    const refused = await Promise.allSettled(outcomes.slice(1));
    ownerMayFinish.open();

    expect(await outcomes[0]).toEqual({ receipt: 'order-1' });
    expect(refused.every((outcome) => outcome.status === 'rejected' && outcome.reason instanceof InProgressError)).toBe(true);
    expect(charge.runs()).toBe(1);
  });

  it("names the record and the owner's in-progress expiry in the InProgressError", async () => {
    const { engine, request, claim, time } = spec();
    const start = time.now();
    const { recordId } = await claim('order-1');

    const refused = await engine.begin(request('order-1')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InProgressError);
    expect(refused).toMatchObject({ recordId, inProgressUntil: start + REMAINING_MS });
    expect((refused as InProgressError).retryAfterMs(start + 1_000)).toBe(REMAINING_MS - 1_000);
  });

  it("leaves the owner's claim exactly as it was when a duplicate is refused", async () => {
    const { engine, request, claim, store } = spec();
    const { recordId } = await claim('order-1');
    const before = store.peek(recordId);
    store.resetRequests();

    await expect(engine.run(request('order-1'), async () => 'never')).rejects.toThrow(InProgressError);
    expect(store.peek(recordId)).toEqual(before);
    expect(store.requests).toEqual(['claim']);
  });

  it("replays the owner's result to a duplicate that comes after the owner completed", async () => {
    const { engine, request, claim } = spec();
    const owner = await claim('order-1');
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);

    await owner.complete('owner result');
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: 'owner result' });
  });
});

describe('the record met is gone before it could be read', () => {
  it('claims again, once, and runs as the owner', async () => {
    const { engine, request, claim, store } = spec({ storeOptions: { returnsExistingOnConditionFailure: false } });
    const owner = await claim('order-1');
    store.resetRequests();
    // Between the duplicate's refused claim and its read, the owner fails and releases the key.
    store.beforeNext('get', () => owner.release());

    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'claimed' });
    expect(store.requests).toEqual(['claim', 'release', 'get', 'claim']);
  });

  it('gives up with InProgressError when the key is gone again after its second claim was refused too', async () => {
    const { engine, request, claim, store } = spec({ storeOptions: { returnsExistingOnConditionFailure: false } });
    const first = await claim('order-1');
    let second: Awaited<ReturnType<typeof claim>> | undefined;
    store.beforeNext('get', async () => {
      await first.release();
      // The key came free, and another invocation took it before this one's second claim.
      store.beforeNext('claim', async () => {
        second = await claim('order-1');
        store.beforeNext('get', () => second?.release());
      });
    });

    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
  });
});

describe('waitForInProgress', () => {
  const waiting = { waitForInProgress: { timeoutMs: 1_000, initialDelayMs: 50, maxDelayMs: 200 } };

  it("lets a duplicate wait for the owner and replay the owner's result", async () => {
    const { engine, request, claim, time } = spec(waiting);
    const owner = await claim('order-1');
    const duplicate = engine.begin(request('order-1'));
    await time.advance(120);

    await owner.complete('owner result');
    await time.advance(200);
    expect(await duplicate).toMatchObject({ kind: 'replay', value: 'owner result' });
  });

  it('polls with exponential backoff from initialDelayMs, capped at maxDelayMs, and gives up with InProgressError when its time is up', async () => {
    const { engine, request, claim, time, store } = spec(waiting);
    const start = time.now();
    await claim('order-1');
    store.resetRequests();

    const duplicate = engine.begin(request('order-1'));
    const settled = time.settle(duplicate).catch((error: unknown) => error);

    expect(await settled).toBeInstanceOf(InProgressError);
    expect(time.sleeps).toEqual([50, 100, 200, 200, 200, 200]);
    expect(time.now() - start).toBeLessThanOrEqual(1_000);
    expect(store.requests).toEqual(['claim', 'get', 'get', 'get', 'get', 'get', 'get']);
  });

  it("never waits past the invocation's own remaining time", async () => {
    const { engine, request, claim, time } = spec({ waitForInProgress: { timeoutMs: 10_000, initialDelayMs: 50 } });
    const start = time.now();
    await claim('order-1');

    const duplicate = engine.begin(request('order-1', { remainingTimeMs: 300 }));
    await expect(time.settle(duplicate)).rejects.toThrow(InProgressError);
    expect(time.sleeps).toEqual([50, 100]);
    expect(time.now() - start).toBeLessThanOrEqual(300);
  });

  it('claims the key and runs the handler itself when the owner fails and releases it during the wait', async () => {
    const { engine, request, claim, time, handler } = spec(waiting);
    const owner = await claim('order-1');
    const charge = handler(() => 'the waiter ran');
    const waiter = engine.run(request('order-1'), charge.for({ orderId: 'order-1' }));
    await time.advance(50);

    await owner.release();
    expect(await time.settle(waiter)).toBe('the waiter ran');
    expect(charge.runs()).toBe(1);
  });

  it('keeps claiming while its wait lasts when owner after owner fails and releases the key', async () => {
    const { engine, request, claim, time, store } = spec(waiting);
    const first = await claim('order-1');
    const waiter = engine.begin(request('order-1'));
    await time.advance(50);
    // The waiter sees the key free and claims again, but a second owner takes it just before.
    store.beforeNext('claim', async () => {
      const second = await claim('order-1');
      store.beforeNext('get', () => second.release());
    });
    await first.release();

    await expect(time.settle(waiter)).resolves.toMatchObject({ kind: 'claimed' });
  });

  it('gives every one of 50 concurrent duplicates the one result', async () => {
    const { engine, request, handler, time } = spec({
      waitForInProgress: { timeoutMs: 5_000, initialDelayMs: 25, maxDelayMs: 100 },
    });
    const ownerMayFinish = gate();
    const charge = handler(async (order) => {
      await ownerMayFinish.promise;
      return { receipt: order.orderId };
    });

    const results = Array.from({ length: 50 }, () => engine.run(request('order-1'), charge.for({ orderId: 'order-1' })));
    await time.advance(300);
    ownerMayFinish.open();
    await time.advance(100);

    expect(await Promise.all(results)).toEqual(Array.from({ length: 50 }, () => ({ receipt: 'order-1' })));
    expect(charge.runs()).toBe(1);
  });
});
