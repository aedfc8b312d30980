import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../src/engine/index.js';
import { InProgressError, MissingIdempotencyKeyError, makeIdempotent, ResultNotSerializableError } from '../../src/index.js';
import { deferred, lambdaContext, uniqueKey, useStoreFixture, warningSink } from '../support/fixtures.js';

const fixture = useStoreFixture();

describe('key material of nothing but undefined and null', () => {
  it.each([
    ['a selector answering { orderId: undefined }', { key: (event: { orderId?: string }) => ({ orderId: event.orderId }) }],
    ['a selector answering [undefined, undefined]', { key: (event: { orderId?: string }) => [event.orderId, undefined] }],
    ['a selector answering { orderId: null }', { key: () => ({ orderId: null }) }],
    ['a selector answering [[null], {}]', { key: () => [[null], {}] }],
    ['a path reaching { id: null }', { key: 'order' }],
  ])('is a missing key for %s, never one record shared by every such event', async (_name, selection) => {
    let executions = 0;
    const handler = makeIdempotent(
      async (_event: { orderId?: string; order?: unknown }) => {
        executions++;
        return executions;
      },
      { store: fixture.store, ...selection } as Parameters<typeof makeIdempotent>[1],
    );
    await expect(handler({ order: { id: null } })).rejects.toBeInstanceOf(MissingIdempotencyKeyError);
    expect(executions).toBe(0);
  });

  it('runs such an event unkeyed with requireKey: false, every time', async () => {
    let executions = 0;
    const handler = makeIdempotent(async (_event: { orderId?: string }) => ++executions, {
      store: fixture.store,
      key: (event) => ({ orderId: event.orderId }),
      requireKey: false,
      ...warningSink(),
    });
    expect(await handler({})).toBe(1);
    expect(await handler({})).toBe(2);
  });

  it('still keys material that holds one real leaf', async () => {
    let executions = 0;
    const handler = makeIdempotent(async (_event: { orderId?: string }) => ++executions, {
      store: fixture.store,
      key: (event) => [event.orderId, null],
    });
    const orderId = uniqueKey();
    expect(await handler({ orderId })).toBe(1);
    expect(await handler({ orderId })).toBe(1);
  });
});

describe('results with no faithful JSON form', () => {
  it.each([
    ['a Map', () => new Map([['a', 1]])],
    ['a Set', () => new Set([1, 2])],
    ['a Map inside an object', () => ({ totals: new Map([['a', 1]]) })],
    ['a RegExp', () => /order/],
  ])(
    'refuses %s with ResultNotSerializableError, and its duplicate gets the same error without a second run',
    async (_name, make) => {
      let executions = 0;
      const handler = makeIdempotent(
        async (_event: { orderId: string }) => {
          executions++;
          return make();
        },
        { store: fixture.store, key: 'orderId' },
      );
      const orderId = uniqueKey();
      await expect(handler({ orderId })).rejects.toBeInstanceOf(ResultNotSerializableError);
      await expect(handler({ orderId })).rejects.toBeInstanceOf(ResultNotSerializableError);
      expect(executions).toBe(1);
    },
  );

  it('stores a Map through a serializer that handles it', async () => {
    const handler = makeIdempotent(async (_event: { orderId: string }) => new Map([['a', 1]]), {
      store: fixture.store,
      key: 'orderId',
      serializer: {
        serialize: (value) => JSON.stringify([...(value as Map<string, number>)]),
        deserialize: (text) => new Map(JSON.parse(text)),
      },
    });
    const orderId = uniqueKey();
    await handler({ orderId });
    expect(await handler({ orderId })).toEqual(new Map([['a', 1]]));
  });
});

type Pause = (() => Promise<void>) | undefined;

/** The real store, with pauses the test controls before each claim and read: they order the owners' moves. */
function storeWithPauses(store: IdempotencyStore, beforeClaim: Pause[], beforeGet: Pause[]): IdempotencyStore {
  return {
    maxResultBytes: store.maxResultBytes,
    async claim(request) {
      await beforeClaim.shift()?.();
      return store.claim(request);
    },
    complete: (request) => store.complete(request),
    release: (request) => store.release(request),
    async get(id) {
      await beforeGet.shift()?.();
      return store.get(id);
    },
  };
}

describe('waiting for an in-progress key', () => {
  it('keeps claiming until its wait time is up when owner after owner fails and releases the key', async () => {
    const orderId = uniqueKey();
    const owners = [deferred(), deferred()];
    const entered = [deferred(), deferred()];
    let ownerRuns = 0;
    const owner = makeIdempotent(
      async (_event: { orderId: string }, _context: Context) => {
        const index = ownerRuns++;
        entered[index]?.resolve();
        await owners[index]?.promise;
        throw new Error(`owner ${index + 1} failed`);
      },
      { store: fixture.store, key: 'orderId' },
    );
    const firstOwner = owner({ orderId }, lambdaContext()).catch(() => undefined);
    await entered[0]?.promise;
    let secondOwner: Promise<unknown> = Promise.resolve();
    // The waiter's first poll: owner 1 fails and releases the key.
    const beforeGet: Pause[] = [
      async () => {
        owners[0]?.resolve();
        await firstOwner;
      },
      // Its next poll: owner 2 fails and releases too, with most of the wait still to go.
      async () => {
        owners[1]?.resolve();
        await secondOwner;
      },
    ];
    // Its second claim: owner 2 has claimed the free key first.
    const beforeClaim: Pause[] = [
      undefined,
      async () => {
        secondOwner = owner({ orderId }, lambdaContext()).catch(() => undefined);
        await entered[1]?.promise;
      },
    ];
    const waiter = makeIdempotent(async (_event: { orderId: string }, _context: Context) => 'the waiter ran', {
      store: storeWithPauses(fixture.store, beforeClaim, beforeGet),
      key: 'orderId',
      waitForInProgress: { timeoutMs: 5_000, initialDelayMs: 20 },
    });

    const result = waiter({ orderId }, lambdaContext());
    await expect(result).resolves.toBe('the waiter ran');
    expect(ownerRuns).toBe(2);
  });

  it('still gives up with InProgressError once its wait time is up', async () => {
    const orderId = uniqueKey();
    const ownerMayFinish = deferred();
    const owner = makeIdempotent(async (_event: { orderId: string }, _context: Context) => ownerMayFinish.promise, {
      store: fixture.store,
      key: 'orderId',
    });
    const running = owner({ orderId }, lambdaContext());
    await sleep(20);
    const waiter = makeIdempotent(async (_event: { orderId: string }, _context: Context) => 'ran', {
      store: fixture.store,
      key: 'orderId',
      waitForInProgress: { timeoutMs: 150, initialDelayMs: 20 },
    });
    await expect(waiter({ orderId }, lambdaContext())).rejects.toBeInstanceOf(InProgressError);
    ownerMayFinish.resolve();
    await running;
  });
});
