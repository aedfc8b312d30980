import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  InProgressError,
  ResultNotPersistedError,
  ResultNotSerializableError,
  ResultTooLargeError,
  StoreError,
} from '../../src/errors.js';
import { CLOCK_SKEW_MS, spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('the claim', () => {
  it.each([
    ['returns the record it met', true, ['claim', 'claim', 'complete']],
    ['is read after the refusal', false, ['claim', 'claim', 'get', 'complete']],
  ])(
    'is recognised as ours by its lease when its response was lost and the retried write was refused (the record %s)',
    async (_label, returnsExisting, requests) => {
      const { engine, request, store, handler, warnings } = spec({
        storeOptions: { returnsExistingOnConditionFailure: returnsExisting },
      });
      const charge = handler(() => 'charged once');
      store.fail('claim', 'lost-response-retried');

      expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged once');
      expect(charge.runs()).toBe(1);
      expect(store.requests).toEqual(requests);
      expect(store.peek(store.ids()[0] as string)?.status).toBe('COMPLETED');
      expect(warnings).toEqual([]);
    },
  );

  it('fails closed when it cannot be written: StoreError, and the handler never runs', async () => {
    const { engine, request, store, handler } = spec();
    const charge = handler(() => 'never');
    store.fail('claim', 'unavailable');

    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toMatchObject({
      name: 'StoreError',
      operation: 'claim',
    });
    expect(charge.runs()).toBe(0);
    expect(store.ids()).toEqual([]);
  });

  it('that landed without an answer is left to lapse: the retry is refused until then, and runs after', async () => {
    const { engine, request, store, handler, time } = spec();
    const charge = handler(() => 'charged');
    store.fail('claim', 'lost-response');

    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toThrow(StoreError);
    expect(store.peek(store.ids()[0] as string)?.status).toBe('INPROGRESS');
    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toThrow(InProgressError);
    expect(charge.runs()).toBe(0);

    await time.advance(30_000 + CLOCK_SKEW_MS + 1);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(1);
  });
});

describe('the complete', () => {
  it('completes quietly when its response was lost and the retried write found the record already ours', async () => {
    const { engine, request, store, handler, warnings } = spec();
    const charge = handler(() => 'stored');
    store.fail('complete', 'lost-response-retried');

    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('stored');
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('stored');
    expect(charge.runs()).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('is retried when it fails fewer times than its budget, with no warning', async () => {
    const { engine, request, store, handler, warnings, time } = spec();
    const charge = handler(() => 'charged');
    store.fail('complete', 'unavailable', 2);

    expect(await time.settle(engine.run(request('order-1'), charge.for({ orderId: 'order-1' })))).toBe('charged');
    expect(store.requests).toEqual(['claim', 'complete', 'complete', 'complete']);
    expect(time.sleeps).toEqual([50, 100]);
    expect(warnings).toEqual([]);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(1);
  });

  it('that keeps failing leaves the claim in progress until it lapses, never deleted; the result is returned and ResultNotPersistedError reported', async () => {
    const { engine, request, store, handler, warnings, time } = spec();
    const charge = handler((_order, run) => `charged ${run}`);
    store.fail('complete', 'unavailable', 3);

    const result = await time.settle(
      engine.run(request('order-1', { remainingTimeMs: 5_000 }), charge.for({ orderId: 'order-1' })),
    );
    expect(result).toBe('charged 1');
    expect(store.requests).toEqual(['claim', 'complete', 'complete', 'complete']);
    expect(warnings).toEqual([expect.any(ResultNotPersistedError)]);
    expect(warnings[0]?.cause).toBeInstanceOf(StoreError);
    expect(store.peek(store.ids()[0] as string)?.status).toBe('INPROGRESS');
    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toThrow(InProgressError);

    await time.advance(5_000 + CLOCK_SKEW_MS);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged 2');
  });
});

describe('the release', () => {
  it('releases quietly when its response was lost and the retried delete found the record gone', async () => {
    const { engine, request, store, handler, warnings } = spec();
    const charge = handler((_order, run) => {
      if (run === 1) throw new Error('card declined');
      return 'charged';
    });
    store.fail('release', 'lost-response-retried');

    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toThrow('card declined');
    expect(warnings).toEqual([]);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(2);
  });

  it("that fails rethrows the handler's error unchanged, reports StoreError, and leaves the claim to lapse", async () => {
    const { engine, request, store, warnings } = spec();
    const failure = new Error('payment provider down');
    store.fail('release', 'unavailable');

    await expect(
      engine.run(request('order-1'), async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(warnings).toEqual([expect.any(StoreError)]);
    expect(warnings[0]).toMatchObject({ operation: 'release' });
    expect(store.peek(store.ids()[0] as string)?.status).toBe('INPROGRESS');
  });
});

describe('a result that cannot be stored completes the record with an error marker', () => {
  const cyclic = () => {
    const node: Record<string, unknown> = {};
    node.self = node;
    return node;
  };

  it.each<[string, () => unknown]>([
    ['a BigInt', () => ({ total: 10n })],
    ['a cycle', cyclic],
    ['a function', () => () => 'not data'],
    ['a Map', () => new Map([['a', 1]])],
    ['a Set', () => new Set([1])],
    ['a RegExp', () => /order/],
  ])(
    'fails with ResultNotSerializableError for %s, and every duplicate gets the same error without a second run',
    async (_name, make) => {
      const { engine, request, store, handler } = spec();
      const produce = handler(make);

      const first = await engine.run(request('order-1'), produce.for({ orderId: 'order-1' })).catch((error: unknown) => error);
      const duplicate = await engine
        .run(request('order-1'), produce.for({ orderId: 'order-1' }))
        .catch((error: unknown) => error);

      expect(first).toBeInstanceOf(ResultNotSerializableError);
      expect(duplicate).toBeInstanceOf(ResultNotSerializableError);
      expect((duplicate as Error).message).toBe((first as Error).message);
      expect(produce.runs()).toBe(1);
      expect(store.peek(store.ids()[0] as string)).toMatchObject({
        status: 'COMPLETED',
        result: { kind: 'error', name: 'ResultNotSerializableError' },
      });
      expect(store.count('release')).toBe(0);
    },
  );

  it('fails with ResultNotSerializableError, carrying the cause, when a custom serializer throws', async () => {
    const broken = new Error('cannot encode');
    const { engine, request } = spec({
      serializer: {
        serialize: () => {
          throw broken;
        },
        deserialize: (text) => text,
      },
    });

    await expect(engine.run(request('order-1'), async () => 'value')).rejects.toMatchObject({
      name: 'ResultNotSerializableError',
      cause: broken,
    });
    await expect(engine.run(request('order-1'), async () => 'value')).rejects.toThrow(ResultNotSerializableError);
  });

  it('fails with ResultTooLargeError for a result larger than the store holds even compressed; duplicates get it too', async () => {
    const { engine, request, handler } = spec({ storeOptions: { maxResultBytes: 4_096 } });
    const produce = handler(() => ({ blob: randomBytes(8_192).toString('base64') }));

    await expect(engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).rejects.toThrow(/bytes/);
    await expect(engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).rejects.toThrow(ResultTooLargeError);
    expect(produce.runs()).toBe(1);
  });

  it('stores the marker in place of a result the store itself refused as too large', async () => {
    const { engine, request, store, handler } = spec({
      compressAboveBytes: 10_000,
      storeOptions: { refuseResultsAboveBytes: 1_000 },
    });
    const produce = handler(() => 'x'.repeat(5_000));

    await expect(engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).rejects.toThrow(ResultTooLargeError);
    expect(store.requests).toEqual(['claim', 'complete', 'complete']);
    expect(store.peek(store.ids()[0] as string)).toMatchObject({
      status: 'COMPLETED',
      result: { kind: 'error', name: 'ResultTooLargeError' },
    });
    await expect(engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).rejects.toThrow(ResultTooLargeError);
    expect(produce.runs()).toBe(1);
  });
});
