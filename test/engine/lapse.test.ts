import { describe, expect, it, vi } from 'vitest';
import { InProgressError } from '../../src/errors.js';
import { CLOCK_SKEW_MS, MIN_CLAIM_MS, spec } from '../support/engine-spec.js';

vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

describe('how long a claim lasts', () => {
  it('lasts the remaining time the invocation reports', async () => {
    const { claim, store, time } = spec();
    const { recordId } = await claim('order-1', { remainingTimeMs: 12_345 });

    expect(store.peek(recordId)).toMatchObject({ status: 'INPROGRESS', inProgressUntil: time.now() + 12_345 });
  });

  it.each([0, -250])(
    'clamps a context reporting %i ms left to the minimum claim, so the claim is not lapsed at birth',
    async (left) => {
      const { engine, request, claim, store, time } = spec();
      const start = time.now();
      const { recordId } = await claim('order-1', { remainingTimeMs: left });
      expect(store.peek(recordId)?.inProgressUntil).toBe(start + MIN_CLAIM_MS);

      await time.advance(MIN_CLAIM_MS + CLOCK_SKEW_MS);
      await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
      await time.advance(1);
      expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'claimed' });
    },
  );

  it('lasts the default 15 minutes without an invocation to tell the remaining time', async () => {
    const { claim, store, time } = spec();
    const { recordId } = await claim('order-1', { remainingTimeMs: undefined });

    expect(store.peek(recordId)?.inProgressUntil).toBe(time.now() + 900_000);
  });

  it('lasts inProgressTimeoutMs without an invocation, when that is configured', async () => {
    const { claim, store, time } = spec({ inProgressTimeoutMs: 60_000 });
    const { recordId } = await claim('order-1', { remainingTimeMs: undefined });

    expect(store.peek(recordId)?.inProgressUntil).toBe(time.now() + 60_000);
  });

  it('keeps a claim whose window (ttlSeconds) is shorter than the invocation until its holder could have finished', async () => {
    const { engine, request, claim, store, time } = spec({ ttlSeconds: 1 });
    const { recordId } = await claim('order-1', { remainingTimeMs: 10_000 });
    const record = store.peek(recordId);
    expect(record?.expiresAt).toBeGreaterThanOrEqual(Math.ceil((record?.inProgressUntil ?? 0) / 1000));

    await time.advance(5_000);
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
  });
});

describe('a claim lapses at its in-progress expiry plus the clock-skew margin', () => {
  it('is refused to a duplicate until then, and taken over just after', async () => {
    const { engine, request, claim, time } = spec();
    await claim('order-1', { remainingTimeMs: 5_000 });

    await time.advance(5_000 + CLOCK_SKEW_MS);
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
    await time.advance(1);
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'claimed' });
  });

  it('honours a configured clockSkewMs', async () => {
    const { engine, request, claim, time } = spec({ clockSkewMs: 10_000 });
    await claim('order-1', { remainingTimeMs: 1_000 });

    await time.advance(10_999);
    await expect(engine.begin(request('order-1'))).rejects.toThrow(InProgressError);
    await time.advance(2);
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'claimed' });
  });

  it('lets no container whose clock runs 2 s ahead take over a claim its owner still holds', async () => {
    const owner = spec();
    await owner.claim('order-1', { remainingTimeMs: 1_500 });
    const ahead = spec({ store: owner.store, time: owner.time, clock: () => owner.time.now() + 2_000 });

    await owner.time.advance(1_400);
    await expect(ahead.engine.begin(ahead.request('order-1'))).rejects.toThrow(InProgressError);
  });

  it('is taken over by exactly one of many invocations that find it lapsed at once', async () => {
    const { engine, request, claim, time } = spec();
    await claim('order-1', { remainingTimeMs: 1_000 });
    await time.advance(1_000 + CLOCK_SKEW_MS + 1);

    const outcomes = await Promise.allSettled(Array.from({ length: 16 }, () => engine.begin(request('order-1'))));
    const claimed = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.kind === 'claimed');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof InProgressError);
    expect([claimed.length, refused.length]).toEqual([1, 15]);
  });

  it('is taken over with a lease of its own, whose result every duplicate then replays', async () => {
    const { engine, request, claim, store, time } = spec();
    const stale = await claim('order-1', { remainingTimeMs: 1_000 });
    const staleLease = store.peek(stale.recordId)?.lease;
    await time.advance(1_000 + CLOCK_SKEW_MS + 1);

    const takeover = await claim('order-1');
    expect(store.peek(takeover.recordId)).toMatchObject({ status: 'INPROGRESS', inProgressUntil: time.now() + 30_000 });
    expect(store.peek(takeover.recordId)?.lease).not.toBe(staleLease);
    await takeover.complete('new owner result');
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: 'new owner result' });
  });
});

describe('a completed record lasts its window', () => {
  it('counts the window (ttlSeconds) from completion, in epoch seconds', async () => {
    const { claim, store, time } = spec({ ttlSeconds: 600 });
    const attempt = await claim('order-1');
    await time.advance(100_000);
    await attempt.complete('done');

    expect(store.peek(attempt.recordId)).toMatchObject({
      status: 'COMPLETED',
      expiresAt: Math.floor(time.now() / 1000) + 600,
      inProgressUntil: undefined,
    });
  });

  it('is replayed until its window ends (judged with the margin), then claimed anew and the handler runs again', async () => {
    const { engine, request, handler, time } = spec({ ttlSeconds: 60 });
    const charge = handler((_order, run) => run);
    const run = () => engine.run(request('order-1'), charge.for({ orderId: 'order-1' }));
    // Completed at hh:mm:00.500: its window ends with second 60, judged 3 s late.
    expect(await run()).toBe(1);

    await time.advance(60_500 + CLOCK_SKEW_MS - 1);
    expect(await run()).toBe(1);
    await time.advance(1);
    expect(await run()).toBe(2);
  });

  it('never lapses by the in-progress expiry of the claim it was', async () => {
    const { engine, request, claim, time } = spec();
    const attempt = await claim('order-1', { remainingTimeMs: 1_000 });
    await attempt.complete('done');

    await time.advance(60_000);
    expect(await engine.begin(request('order-1'))).toMatchObject({ kind: 'replay', value: 'done' });
  });
});
