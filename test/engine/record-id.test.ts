import { describe, expect, it, vi } from 'vitest';
import { hashMaterial } from '../../src/engine/hash.js';
import { InvalidIdempotencyKeyError, MissingIdempotencyKeyError } from '../../src/errors.js';
import { type Order, SCOPE, spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('which record an invocation claims', () => {
  it('names it by the scope and the sha256 of the canonical key material', async () => {
    const { claim } = spec();

    expect((await claim('order-1')).recordId).toBe(`${SCOPE}#${hashMaterial('order-1')}`);
  });

  it('keys by the whole input when no key is given', async () => {
    const { claim } = spec({ key: undefined });
    const input = { orderId: 'order-1', amount: 5 };

    expect((await claim(input)).recordId).toBe(`${SCOPE}#${hashMaterial(input)}`);
  });

  it("keys an event that names its delivery by the whole event too: the delivery's identity is the adapters' default", async () => {
    const { claim } = spec({ key: undefined });
    const event = { id: 'delivery-1', source: 'orders', 'detail-type': 'OrderPlaced', detail: { orderId: 'order-1' } };

    expect((await claim(event as never)).recordId).toBe(`${SCOPE}#${hashMaterial(event)}`);
  });

  it('extends the scope with name, and keyPrefix replaces it', async () => {
    expect((await spec({ name: 'charge-card' }).claim('order-1')).recordId).toBe(
      `${SCOPE}:charge-card#${hashMaterial('order-1')}`,
    );
    expect((await spec({ keyPrefix: 'pinned' }).claim('order-1')).recordId).toBe(`pinned#${hashMaterial('order-1')}`);
  });

  it('keeps two named engines apart on one key, and lets two with one name share records', async () => {
    const charge = spec({ name: 'charge-card' });
    const receipt = spec({ name: 'send-receipt', store: charge.store, time: charge.time });
    const receiptElsewhere = spec({ name: 'send-receipt', store: charge.store, time: charge.time });

    expect(await charge.engine.run(charge.request('order-1'), async () => 'charged')).toBe('charged');
    expect(await receipt.engine.run(receipt.request('order-1'), async () => 'sent')).toBe('sent');
    expect(await receiptElsewhere.engine.run(receiptElsewhere.request('order-1'), async () => 'sent again')).toBe('sent');
  });
});

describe('engines sharing one store object', () => {
  it('keep their own scope and window, also when one runs inside the other', async () => {
    const outer = spec({ name: 'checkout', ttlSeconds: 600 });
    const inner = spec({ keyPrefix: 'reservations', ttlSeconds: 60, store: outer.store, time: outer.time });
    const seconds = Math.floor(outer.time.now() / 1000);

    await outer.engine.run(outer.request('order-1'), () => inner.engine.run(inner.request('order-1'), async () => 'reserved'));

    const outerRecord = outer.store.peek(`${SCOPE}:checkout#${hashMaterial('order-1')}`);
    const innerRecord = outer.store.peek(`reservations#${hashMaterial('order-1')}`);
    expect(outerRecord).toMatchObject({ status: 'COMPLETED', expiresAt: seconds + 600 });
    expect(innerRecord).toMatchObject({ status: 'COMPLETED', expiresAt: seconds + 60 });
  });
});

describe('a missing key', () => {
  it.each<[string, Partial<Parameters<typeof spec>[0]>, Order]>([
    ['undefined', {}, { orderId: undefined as unknown as string }],
    ['null', {}, { orderId: null as unknown as string }],
    ["''", {}, { orderId: '' }],
    ['{}', { key: () => ({}) }, { orderId: 'x' }],
    ['[]', { key: () => [] }, { orderId: 'x' }],
    ['{ orderId: undefined }', { key: () => ({ orderId: undefined }) }, { orderId: 'x' }],
    ['[[null], {}]', { key: () => [[null], {}] }, { orderId: 'x' }],
  ])(
    'fails with MissingIdempotencyKeyError for key material %s, sending no request and running nothing',
    async (_name, options, input) => {
      const { engine, request, store, handler } = spec(options);
      const charge = handler(() => 'never');

      await expect(engine.run(request(input), charge.for(input))).rejects.toThrow(MissingIdempotencyKeyError);
      expect(charge.runs()).toBe(0);
      expect(store.requests).toEqual([]);
    },
  );

  it('still keys material that holds one real leaf', async () => {
    const { claim } = spec({ key: (order) => [order.orderId, null] });

    expect((await claim('order-1')).recordId).toBe(`${SCOPE}#${hashMaterial(['order-1', null])}`);
  });

  it('fails with MissingIdempotencyKeyError carrying the cause when the key selector throws', async () => {
    const broken = new Error('no such field');
    const { engine, request } = spec({
      key: () => {
        throw broken;
      },
    });

    await expect(engine.begin(request('order-1'))).rejects.toMatchObject({ name: 'MissingIdempotencyKeyError', cause: broken });
  });

  it('runs unkeyed every time with requireKey: false, reporting MissingIdempotencyKeyError each time', async () => {
    const { engine, request, warnings, handler } = spec({ requireKey: false });
    const charge = handler((_order, run) => run);

    expect(await engine.begin(request({ orderId: '' }))).toEqual({ kind: 'unkeyed' });
    expect(await engine.run(request({ orderId: '' }), charge.for({ orderId: '' }))).toBe(1);
    expect(await engine.run(request({ orderId: '' }), charge.for({ orderId: '' }))).toBe(2);
    expect(warnings).toHaveLength(3);
    expect(warnings.every((warning) => warning instanceof MissingIdempotencyKeyError)).toBe(true);
  });
});

describe('the payload', () => {
  it('fails with InvalidIdempotencyKeyError when the payload selector throws', async () => {
    const { engine, request, store } = spec({
      payload: () => {
        throw new Error('no body');
      },
    });

    await expect(engine.begin(request('order-1'))).rejects.toThrow(InvalidIdempotencyKeyError);
    expect(store.requests).toEqual([]);
  });
});
