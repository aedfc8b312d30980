import { describe, expect, it, vi } from 'vitest';
import type { StoredResult } from '../../src/engine/record.js';
import { CorruptRecordError, PayloadMismatchError, UnstorableResultError } from '../../src/errors.js';
import { spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('a completed record is replayed', () => {
  it('runs the handler once and replays its stored result to a duplicate without running it again', async () => {
    const { engine, request, handler } = spec();
    const charge = handler((order) => ({ charged: order.orderId, at: 'first' }));

    const first = await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }));
    const duplicate = await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }));

    expect(charge.runs()).toBe(1);
    expect(duplicate).toEqual(first);
    // A replay is the stored form, read back: never the first caller's own object.
    expect(duplicate).not.toBe(first);
  });

  it('answers begin with a replay naming the record, not with a claim', async () => {
    const { engine, request, claim } = spec();
    const attempt = await claim('order-1');
    await attempt.complete({ charged: 42 });

    expect(await engine.begin(request('order-1'))).toEqual({
      kind: 'replay',
      value: { charged: 42 },
      recordId: attempt.recordId,
      fromCache: false,
    });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('stores and replays a result of %s as such', async (_name, result) => {
    const { engine, request, handler, store } = spec();
    const produce = handler(() => result);

    expect(await engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).toBe(result);
    expect(await engine.run(request('order-1'), produce.for({ orderId: 'order-1' }))).toBe(result);
    expect(produce.runs()).toBe(1);
    const [id] = store.ids();
    expect(store.peek(id as string)?.status).toBe('COMPLETED');
  });

  it('treats key material whose object members come in another order as the same key', async () => {
    const { engine, request, handler } = spec({ key: (order) => order.customer });
    const charge = handler(() => 'done');
    const run = (customer: unknown) => {
      const order = { orderId: 'order-1', customer };
      return engine.run(request(order), charge.for(order));
    };

    await run({ a: 1, b: { y: 2, x: 1 } });
    await run({ b: { x: 1, y: 2 }, a: 1 });
    expect(charge.runs()).toBe(1);
    await run({ a: 1, b: { x: 1, y: 3 } });
    expect(charge.runs()).toBe(2);
  });

  it('keeps the key it computed before the handler ran: a handler that mutates its input completes the record it claimed', async () => {
    const { engine, request, store } = spec();
    const order = { orderId: 'order-1' };
    await engine.run(request(order), async () => {
      order.orderId = 'changed-by-handler';
      return 'ok';
    });

    const [id] = store.ids();
    expect(store.ids()).toHaveLength(1);
    expect(store.peek(id as string)?.status).toBe('COMPLETED');
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: 'ok' });
  });

  it('round-trips values a custom serializer knows', async () => {
    const { engine, request } = spec({
      serializer: {
        serialize: (value) => JSON.stringify([...(value as Map<string, Date>)].map(([key, date]) => [key, date.toISOString()])),
        deserialize: (text) => new Map((JSON.parse(text) as [string, string][]).map(([key, iso]) => [key, new Date(iso)])),
      },
    });
    const created = new Map([['createdAt', new Date('2026-11-29T12:00:00Z')]]);
    await engine.run(request('order-1'), async () => created);

    const replayed = await engine.begin(request('order-1'));
    expect(replayed.kind === 'replay' && replayed.value).toEqual(created);
  });
});

describe('large results', () => {
  const lines = Array.from({ length: 300 }, (_, line) => ({ line, sku: `SKU-${line % 50}`, description: 'blue widget, boxed' }));

  it('compresses a result larger than compressAboveBytes and replays it intact', async () => {
    const { engine, request, store } = spec({ compressAboveBytes: 512 });
    await engine.run(request('large'), async () => ({ lines }));
    await engine.run(request('small'), async () => ({ line: 1 }));

    const [large, small] = store.ids().map((id) => store.peek(id)?.result);
    expect(large?.kind).toBe('compressed');
    expect(small).toEqual({ kind: 'text', text: '{"line":1}' });
    expect(await engine.begin(request('large'))).toMatchObject({ kind: 'replay', value: { lines } });
  });

  it("follows the store's compression threshold where compressAboveBytes is not given, and lets the option win", async () => {
    const text = { note: 'x'.repeat(1_500) };
    const byStore = spec({ storeOptions: { compression: { aboveBytes: 2_048, favour: 'speed' } } });
    await byStore.engine.run(byStore.request('order-1'), async () => text);
    expect(byStore.store.peek(byStore.store.ids()[0] as string)?.result?.kind).toBe('text');

    const byOption = spec({ compressAboveBytes: 1_024, storeOptions: { compression: { aboveBytes: 2_048, favour: 'speed' } } });
    await byOption.engine.run(byOption.request('order-1'), async () => text);
    expect(byOption.store.peek(byOption.store.ids()[0] as string)?.result?.kind).toBe('compressed');
  });
});

describe('the payload must match', () => {
  it('refuses a duplicate key with another payload with PayloadMismatchError, and writes nothing', async () => {
    const { engine, request, store, handler } = spec({ payload: 'amount' });
    const charge = handler((order) => `charged ${order.amount}`);
    await engine.run(request({ orderId: 'order-1', amount: 10 }), charge.for({ orderId: 'order-1', amount: 10 }));
    const [id] = store.ids();
    const before = store.peek(id as string);
    store.resetRequests();

    await expect(engine.run(request({ orderId: 'order-1', amount: 99 }), charge.for({ orderId: 'order-1' }))).rejects.toThrow(
      PayloadMismatchError,
    );
    expect(store.requests).toEqual(['claim']);
    expect(store.peek(id as string)).toEqual(before);
    expect(charge.runs()).toBe(1);
  });

  it('replays to a duplicate whose payload matches', async () => {
    const { engine, request } = spec({ payload: 'amount' });
    await engine.run(request({ orderId: 'order-1', amount: 10 }), async () => 'charged 10');

    expect(await engine.begin(request({ orderId: 'order-1', amount: 10 }))).toMatchObject({
      kind: 'replay',
      value: 'charged 10',
    });
  });

  it('refuses another payload on a key still in progress with PayloadMismatchError, not InProgressError', async () => {
    const { engine, request, claim } = spec({ payload: 'amount' });
    await claim({ orderId: 'order-1', amount: 10 });

    await expect(engine.begin(request({ orderId: 'order-1', amount: 99 }))).rejects.toThrow(PayloadMismatchError);
  });
});

describe('the local cache', () => {
  it('replays a completed result from this container with no request', async () => {
    const { engine, request, store } = spec({ localCache: true });
    await engine.run(request('order-1'), async () => ({ charged: 1 }));
    store.resetRequests();

    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: { charged: 1 }, fromCache: true });
    expect(store.requests).toEqual([]);
  });

  it("fills the cache from a duplicate's replay of a record another container completed", async () => {
    const first = spec();
    await first.engine.run(first.request('order-1'), async () => 'done');
    const other = spec({ store: first.store, time: first.time, localCache: true });

    expect(await other.engine.begin(other.request('order-1'))).toMatchObject({ fromCache: false, value: 'done' });
    expect(await other.engine.begin(other.request('order-1'))).toMatchObject({ fromCache: true, value: 'done' });
  });

  it('checks the payload on a cache hit too', async () => {
    const { engine, request, store } = spec({ localCache: true, payload: 'amount' });
    await engine.run(request({ orderId: 'order-1', amount: 1 }), async () => 'ok');
    store.resetRequests();

    await expect(engine.begin(request({ orderId: 'order-1', amount: 2 }))).rejects.toThrow(PayloadMismatchError);
    expect(store.requests).toEqual([]);
  });

  it("honours the record's expiration: past it, the store is asked and the handler runs again", async () => {
    const { engine, request, store, time, handler } = spec({ localCache: true, ttlSeconds: 10 });
    const charge = handler((_order, run) => run);
    await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }));
    await time.advance(10_000);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe(1);
    store.resetRequests();

    await time.advance(1_000 + 3_000);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe(2);
    expect(store.requests).toEqual(['claim', 'complete']);
  });

  it('keeps at most maxEntries results, forgetting the least recently used first', async () => {
    const { engine, request, store } = spec({ localCache: { maxEntries: 2 } });
    for (const orderId of ['a', 'b', 'c']) await engine.run(request(orderId), async () => orderId);
    await engine.begin(request('b'));
    store.resetRequests();

    expect(await engine.begin(request('b'))).toMatchObject({ fromCache: true });
    expect(await engine.begin(request('c'))).toMatchObject({ fromCache: true });
    expect(store.requests).toEqual([]);
    expect(await engine.begin(request('a'))).toMatchObject({ fromCache: false, value: 'a' });
    expect(store.requests).toEqual(['claim']);
  });
});

describe('responseHook', () => {
  it('adjusts every replay, never the result of the run that stored it', async () => {
    const { engine, request } = spec({
      responseHook: (value, replay) => ({ ...(value as object), replayed: true, fromCache: replay.fromCache }),
    });

    expect(await engine.run(request('order-1'), async () => ({ charged: 1 }))).toEqual({ charged: 1 });
    expect(await engine.run(request('order-1'), async () => ({ charged: 2 }))).toEqual({
      charged: 1,
      replayed: true,
      fromCache: false,
    });
  });

  it('returns the stored result when the hook throws, and logs the failure', async () => {
    const { engine, request, logged } = spec({
      responseHook: () => {
        throw new Error('hook broke');
      },
    });
    await engine.run(request('order-1'), async () => ({ charged: 1 }));

    expect(await engine.run(request('order-1'), async () => ({ charged: 2 }))).toEqual({ charged: 1 });
    expect(logged.map((entry) => entry.details?.name)).toEqual(['ResponseHookError']);
  });
});

describe('a record the engine cannot replay', () => {
  /** An engine whose key holds a COMPLETED record of another writer, with `result` as stored. */
  async function completedElsewhere(result: StoredResult | undefined) {
    const setup = spec();
    const { recordId } = await setup.claim('order-1');
    const claimed = setup.store.peek(recordId);
    if (claimed === undefined) throw new Error('the claim wrote no record');
    setup.store.put({ ...claimed, status: 'COMPLETED', lease: 'another-writer', result });
    return { ...setup, recordId };
  }

  it('refuses a COMPLETED record that holds no result with CorruptRecordError', async () => {
    const { engine, request } = await completedElsewhere(undefined);

    await expect(engine.begin(request('order-1'))).rejects.toThrow(CorruptRecordError);
  });

  it('refuses a stored result the serializer cannot read with CorruptRecordError, naming the record', async () => {
    const { engine, request, recordId } = await completedElsewhere({ kind: 'text', text: '{not json' });

    const refused = engine.begin(request('order-1'));
    await expect(refused).rejects.toThrow(CorruptRecordError);
    await expect(refused).rejects.toMatchObject({ recordId });
  });

  it('replays an error marker of an unknown error as UnstorableResultError', async () => {
    const { engine, request } = await completedElsewhere({
      kind: 'error',
      name: 'SomeFutureError',
      message: 'stored by a later version',
    });

    const refused = engine.begin(request('order-1'));
    await expect(refused).rejects.toThrow(UnstorableResultError);
    await expect(refused).rejects.toThrow('stored by a later version');
  });
});
