import { describe, expect, it, vi } from 'vitest';
import { spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('a handler that throws', () => {
  it('releases its claim and rethrows its error unchanged', async () => {
    const { engine, request, store } = spec();
    const failure = new Error('card declined');

    await expect(
      engine.run(request('order-1'), async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(store.ids()).toEqual([]);
  });

  it('rethrows what it threw even when that is not an Error', async () => {
    const { engine, request } = spec();

    await expect(
      engine.run(request('order-1'), async () => {
        throw 'a bare string';
      }),
    ).rejects.toBe('a bare string');
  });

  it('leaves nothing to replay: the retry runs the handler again, and its result is stored', async () => {
    const { engine, request, handler } = spec();
    const charge = handler((_order, run) => {
      if (run === 1) throw new Error('card declined');
      return 'charged';
    });

    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toThrow('card declined');
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(2);
  });

  it('releases the record it claimed even when it mutated its input before throwing', async () => {
    const { engine, request, store, claim } = spec();
    const order = { orderId: 'order-1' };
    await expect(
      engine.run(request(order), async () => {
        order.orderId = 'changed-by-handler';
        throw new Error('card declined');
      }),
    ).rejects.toThrow('card declined');

    expect(store.ids()).toEqual([]);
    expect(await claim('order-1')).toBeDefined();
  });
});
