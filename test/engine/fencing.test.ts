import { describe, expect, it, vi } from 'vitest';
import { InProgressError, LeaseLostError } from '../../src/errors.js';
import { CLOCK_SKEW_MS, gate, spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

/** A claim made with 1 s left, then taken over once it lapsed: the stale attempt and the new owner's. */
async function takenOver(options: Parameters<typeof spec>[0] = {}) {
  const setup = spec(options);
  const stale = await setup.claim('order-1', { remainingTimeMs: 1_000 });
  await setup.time.advance(1_000 + CLOCK_SKEW_MS + 1);
  const owner = await setup.claim('order-1');
  return { ...setup, stale, owner };
}

describe('a stale owner, whose claim was taken over, writes nothing', () => {
  it("completes nothing: the new owner's record is left as it was, and LeaseLostError is reported", async () => {
    const { stale, owner, store, warnings, logged } = await takenOver();
    const before = store.peek(owner.recordId);

    await stale.complete('stale result');

    expect(store.peek(owner.recordId)).toEqual(before);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(LeaseLostError);
    expect(warnings[0]).toMatchObject({ recordId: owner.recordId, operation: 'complete' });
    expect(logged.map((entry) => entry.details?.name)).toEqual(['LeaseLostError']);
  });

  it("releases nothing: the new owner's claim stays, and LeaseLostError is reported", async () => {
    const { stale, owner, store, warnings } = await takenOver();
    const before = store.peek(owner.recordId);

    await stale.release();

    expect(store.peek(owner.recordId)).toEqual(before);
    expect(warnings.map((warning) => [warning.name, (warning as LeaseLostError).operation])).toEqual([
      ['LeaseLostError', 'release'],
    ]);
  });

  it("replays the new owner's result, never the stale one", async () => {
    const { stale, owner, engine, request } = await takenOver();
    await owner.complete('new owner result');
    await stale.complete('stale result');

    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: 'new owner result' });
  });

  it("keeps a stale owner's result out of its local cache", async () => {
    const { stale, engine, request } = await takenOver({ localCache: true });
    await stale.complete('stale result');

    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
  });

  it('still returns its own result to its caller, or rethrows its own error unchanged', async () => {
    const { engine, request, time, warnings } = spec();
    const staleMayFinish = gate();
    const staleMayFail = gate();
    const succeeding = engine.run(request('order-1', { remainingTimeMs: 1_000 }), async () => {
      await staleMayFinish.promise;
      return 'stale result';
    });
    const declined = new Error('card declined');
    const failing = engine.run(request('order-2', { remainingTimeMs: 1_000 }), async () => {
      await staleMayFail.promise;
      throw declined;
    });
    await time.advance(1_000 + CLOCK_SKEW_MS + 1);
    expect(await engine.run(request('order-1'), async () => 'new owner result')).toBe('new owner result');
    expect(await engine.run(request('order-2'), async () => 'new owner result')).toBe('new owner result');

    staleMayFinish.open();
    staleMayFail.open();
    expect(await succeeding).toBe('stale result');
    await expect(failing).rejects.toBe(declined);
    expect(warnings.map((warning) => (warning as LeaseLostError).operation).sort()).toEqual(['complete', 'release']);
  });
});

describe('a record removed while its claim was held', () => {
  it('is not created again by the complete, which reports LeaseLostError', async () => {
    const { claim, store, warnings } = spec();
    const attempt = await claim('order-1');
    store.delete(attempt.recordId);

    await attempt.complete('result');

    expect(store.peek(attempt.recordId)).toBeUndefined();
    expect(warnings).toEqual([expect.any(LeaseLostError)]);
  });
});

describe('an attempt settles once', () => {
  it('sends nothing for a second complete, or a fail after a complete', async () => {
    const { claim, store } = spec();
    const attempt = await claim('order-1');
    await attempt.complete('first');
    store.resetRequests();

    await attempt.complete('second');
    await attempt.release();

    expect(store.requests).toEqual([]);
    expect(store.peek(attempt.recordId)?.result).toEqual({ kind: 'text', text: '"first"' });
  });

  it('abandons without a request: the claim stays in progress until it lapses', async () => {
    const { engine, request, claim, store, time } = spec();
    const attempt = await claim('order-1', { remainingTimeMs: 2_000 });
    store.resetRequests();

    attempt.abandon(new Error('the invocation timed out'));
    expect(store.requests).toEqual([]);
    expect(store.peek(attempt.recordId)?.status).toBe('INPROGRESS');
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);

    await time.advance(2_000 + CLOCK_SKEW_MS + 1);
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'claimed' });
  });
});
