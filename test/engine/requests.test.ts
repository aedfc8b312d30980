import { describe, expect, it, vi } from 'vitest';
import { InProgressError, MissingIdempotencyKeyError, PayloadMismatchError } from '../../src/errors.js';
import { spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

// The floor the protocol promises (design.md, "Requests per invocation"): no invocation sends more.

/** An engine on a store that returns the record a refused claim met (DynamoDB, Valkey), or one that must read it (dynalite). */
function setup(returnsExisting = true, options: Parameters<typeof spec>[0] = {}) {
  return spec({ ...options, storeOptions: { returnsExistingOnConditionFailure: returnsExisting } });
}

describe('requests per invocation', () => {
  it('a first call costs 2: the claim and the complete', async () => {
    const { engine, request, store } = setup();
    await engine.run(request('order-1'), async () => 'ok');

    expect(store.requests).toEqual(['claim', 'complete']);
  });

  it('a duplicate costs 1: the refused claim, which returns the record it replays', async () => {
    const { engine, request, store } = setup();
    await engine.run(request('order-1'), async () => 'ok');
    store.resetRequests();

    expect(await engine.run(request('order-1'), async () => 'again')).toBe('ok');
    expect(store.requests).toEqual(['claim']);
  });

  it('a duplicate costs 2 on an endpoint that does not return the record with a refused claim: the claim and one read', async () => {
    const { engine, request, store } = setup(false);
    await engine.run(request('order-1'), async () => 'ok');
    store.resetRequests();

    expect(await engine.run(request('order-1'), async () => 'again')).toBe('ok');
    expect(store.requests).toEqual(['claim', 'get']);
  });

  it('a local-cache hit costs 0', async () => {
    const { engine, request, store } = setup(true, { localCache: true });
    await engine.run(request('order-1'), async () => 'ok');
    store.resetRequests();

    expect(await engine.run(request('order-1'), async () => 'again')).toBe('ok');
    expect(store.requests).toEqual([]);
  });

  it('a duplicate refused while the key is in progress costs 1', async () => {
    const { engine, request, store, claim } = setup();
    await claim('order-1');
    store.resetRequests();

    await expect(engine.run(request('order-1'), async () => 'never')).rejects.toThrow(InProgressError);
    expect(store.requests).toEqual(['claim']);
  });

  it('a duplicate with another payload costs 1 and writes nothing', async () => {
    const { engine, request, store } = setup(true, { payload: 'amount' });
    await engine.run(request({ orderId: 'order-1', amount: 1 }), async () => 'ok');
    store.resetRequests();

    await expect(engine.run(request({ orderId: 'order-1', amount: 2 }), async () => 'never')).rejects.toThrow(
      PayloadMismatchError,
    );
    expect(store.requests).toEqual(['claim']);
  });

  it('a handler that throws costs 2: the claim and the release', async () => {
    const { engine, request, store } = setup();
    await expect(
      engine.run(request('order-1'), async () => {
        throw new Error('declined');
      }),
    ).rejects.toThrow('declined');

    expect(store.requests).toEqual(['claim', 'release']);
  });

  it('a result that cannot be stored costs 2: the claim and the complete with its error marker, no release', async () => {
    const { engine, request, store } = setup();
    await expect(engine.run(request('order-1'), async () => ({ total: 1n }))).rejects.toThrow();

    expect(store.requests).toEqual(['claim', 'complete']);
  });

  it('a missing key costs 0', async () => {
    const { engine, request, store } = setup();
    await expect(engine.run(request({ orderId: '' }), async () => 'never')).rejects.toThrow(MissingIdempotencyKeyError);

    expect(store.requests).toEqual([]);
  });

  it('an invocation without a key that is not required costs 0', async () => {
    const { engine, request, store } = setup(true, { requireKey: false });
    expect(await engine.run(request({ orderId: '' }), async () => 'ran')).toBe('ran');

    expect(store.requests).toEqual([]);
  });

  it('an engine switched off (disabled) costs 0 and runs the handler every time', async () => {
    const { engine, request, store, handler } = setup(true, { disabled: true });
    const charge = handler((_order, run) => run);

    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe(1);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe(2);
    expect(store.requests).toEqual([]);
  });
});
