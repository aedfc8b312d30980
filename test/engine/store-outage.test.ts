import { describe, expect, it, vi } from 'vitest';
import type { IdempotencyOutcome } from '../../src/engine/outcomes/outcome.js';
import { IdempotencyConfigError, InProgressError, type ResultNotPersistedError, StoreError } from '../../src/errors.js';
import { CLOCK_SKEW_MS, gate, REMAINING_MS, type Spec, type SpecOptions, spec } from '../support/engine-spec.js';
import { MemoryStore } from '../support/memory-store.js';

// The engine's own sleeps (its complete retries, its waits) run on the virtual clock; the bound on
// each store request is a real timer, and the tests that exercise it give it a few real milliseconds.
vi.mock('node:timers/promises', async (real) => (await import('../support/virtual-time.js')).timersPromises(await real()));

/** Real time, which the bound on a store request counts (the mocked module sleeps on virtual time). */
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What an outage of the store looks like to a caller. */
const OUTAGE = { name: 'StoreError', unavailable: true } as const;
const OPEN_MS = 10_000;
const THRESHOLD = 3;

/** An engine failing open, with a circuit of 3 failures and 10 s, outcomes collected. */
function failOpen(options: SpecOptions = {}): Spec & { outcomes: IdempotencyOutcome[] } {
  const outcomes: IdempotencyOutcome[] = [];
  const made = spec({
    whenStoreUnavailable: 'fail-open',
    circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS },
    onOutcome: (outcome) => void outcomes.push(outcome),
    ...options,
  });
  return { ...made, outcomes };
}

/** Moves virtual time along (waking the engine's sleeps) while real time passes for the bounds, until `promise` settles. */
async function settleWithRealTime<T>(made: Spec, promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  while (!settled) {
    await made.time.advance(100);
    await realSleep(5);
  }
  return watched;
}

describe('fail closed, the default', () => {
  it('an outage on the claim fails the invocation with an unavailable StoreError: the handler never runs, nothing is written', async () => {
    const { engine, request, store, handler } = spec();
    const charge = handler(() => 'never');
    store.fail('claim', 'outage');

    const error = await engine.run(request('order-1'), charge.for({ orderId: 'order-1' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject(OUTAGE);
    expect(error).toMatchObject({ operation: 'claim' });
    expect(charge.runs()).toBe(0);
    expect(store.ids()).toEqual([]);
  });
});

describe('fail open', () => {
  it('runs the handler without a claim: nothing written, nothing to complete, a warning naming the record, outcome store-unavailable', async () => {
    const { engine, request, store, handler, warnings, logged, outcomes } = failOpen();
    const notify = handler(() => 'sent');
    store.fail('claim', 'outage');

    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent');
    expect(notify.runs()).toBe(1);
    expect(store.requests).toEqual(['claim']);
    expect(store.ids()).toEqual([]);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning).toMatchObject(OUTAGE);
    expect(warning?.message).toMatch(/record "orders-fn#[\w-]+" runs WITHOUT idempotency/);
    expect(warning?.cause).toMatchObject(OUTAGE);
    expect(logged.map((line) => line.message)).toEqual([warning?.message]);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({
      kind: 'store-unavailable',
      recordId: (warning as StoreError).recordId,
      requests: { claim: 1, get: 0, complete: 0, release: 0, total: 1 },
      error: { name: 'StoreError' },
    });
  });

  it('a handler that throws while unprotected: its own error, and no release is sent', async () => {
    const { engine, request, store } = failOpen();
    store.fail('claim', 'outage');
    const failure = new Error('downstream refused');

    await expect(
      engine.run(request('order-1'), async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(store.requests).toEqual(['claim']);
  });

  it('once the store answers again, a duplicate of the unprotected run runs again (nothing was stored for it)', async () => {
    const { engine, request, store, handler } = failOpen();
    const notify = handler((_order, run) => `sent ${run}`);
    store.fail('claim', 'outage');

    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent 1');
    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent 2');
    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent 2');
    expect(notify.runs()).toBe(2);
  });

  it('a refusal that waiting does not heal (a plain StoreError: access denied, a missing table) fails closed', async () => {
    const { engine, request, store, handler, outcomes } = failOpen();
    const notify = handler(() => 'never');
    store.fail('claim', 'unavailable');

    const error = await engine.run(request('order-1'), notify.for({ orderId: 'order-1' })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StoreError', unavailable: false });
    expect(notify.runs()).toBe(0);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['store-error']);
  });

  it('never beside a live claim: a duplicate waiting for the owner fails closed when its read meets the outage', async () => {
    const { engine, request, store, handler, time } = failOpen({ waitForInProgress: { timeoutMs: 5_000 } });
    const owner = await engine.begin(request('order-1'));
    expect(owner.kind).toBe('claimed');
    const duplicate = handler(() => 'second run');
    store.fail('get', 'outage');

    const waiting = engine.run(request('order-1'), duplicate.for({ orderId: 'order-1' }));
    await expect(time.settle(waiting)).rejects.toMatchObject(OUTAGE);
    expect(duplicate.runs()).toBe(0);
    expect(store.requests).toEqual(['claim', 'claim', 'get']);
  });

  it('the local cache still replays a completed result, with no request', async () => {
    const { engine, request, store, handler } = failOpen({ localCache: true });
    const charge = handler(() => 'charged');
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    store.resetRequests();
    store.fail('claim', 'outage', 5);

    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(1);
    expect(store.requests).toEqual([]);
  });
});

describe('the bound on each store request', () => {
  it('a claim with no answer fails after storeTimeoutMs with an unavailable StoreError, naming the request and the record', async () => {
    const { engine, request, store, handler } = spec({ storeTimeoutMs: 30 });
    const held = gate();
    store.beforeNext('claim', () => held.promise);
    const charge = handler(() => 'never');

    const started = performance.now();
    const error = await engine.run(request('order-1'), charge.for({ orderId: 'order-1' })).catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    held.open();
    expect(error).toMatchObject({ ...OUTAGE, operation: 'claim', recordId: expect.stringMatching(/^orders-fn#/) });
    expect((error as Error).message).toMatch(/did not answer claim of record "orders-fn#[\w-]+" within 30 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(25);
    expect(elapsed).toBeLessThan(1_000);
    expect(charge.runs()).toBe(0);
  });

  it("never runs past the invocation's deadline, less a reserve for the invocation to answer", async () => {
    const { engine, request, store } = spec({ storeTimeoutMs: 60_000 });
    const held = gate();
    store.beforeNext('claim', () => held.promise);

    const started = performance.now();
    await expect(engine.begin(request('order-1', { remainingTimeMs: 400 }))).rejects.toMatchObject(OUTAGE);
    const elapsed = performance.now() - started;
    held.open();
    expect(elapsed).toBeGreaterThanOrEqual(250);
    // Far below storeTimeoutMs (60 s), with room for a loaded machine's late timers.
    expect(elapsed).toBeLessThan(1_000);
  });

  it("hands the store the request's deadline: the bound, or the invocation's end less the reserve", async () => {
    const deadlines: Array<number | undefined> = [];
    const store = new MemoryStore();
    const recording = Object.assign(Object.create(store) as MemoryStore, {
      claim: (claimRequest: Parameters<MemoryStore['claim']>[0]) => {
        deadlines.push(claimRequest.deadline);
        return store.claim(claimRequest);
      },
    });
    const { engine, request } = spec({ store: recording, storeTimeoutMs: 2_000 });

    const before = Date.now();
    await engine.begin(request('bounded-by-timeout', { remainingTimeMs: 60_000 }));
    await engine.begin(request('bounded-by-deadline', { remainingTimeMs: 1_000 }));
    const after = Date.now();
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + 2_000);
    expect(deadlines[0]).toBeLessThanOrEqual(after + 2_000);
    expect(deadlines[1]).toBeGreaterThanOrEqual(before + 900);
    expect(deadlines[1]).toBeLessThanOrEqual(after + 900);
  });

  it('fail open: a claim that lands after it was given up holds a lease nobody has; nothing completes it, duplicates wait for its expiry', async () => {
    const made = failOpen({ storeTimeoutMs: 20 });
    const { engine, request, store, handler, time } = made;
    const notify = handler((_order, run) => `sent ${run}`);
    const held = gate();
    store.beforeNext('claim', () => held.promise);

    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent 1');
    // The store applies the claim after the engine gave up on it and ran the handler unclaimed.
    held.open();
    await realSleep(5);
    const [id] = store.ids();
    const late = store.peek(id as string);
    expect(late).toMatchObject({ status: 'INPROGRESS', inProgressUntil: time.now() + REMAINING_MS });

    // A duplicate before that claim's expiry is refused: no second run beside the first.
    await expect(engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).rejects.toBeInstanceOf(InProgressError);
    expect(store.count('complete') + store.count('release')).toBe(0);
    expect(store.peek(id as string)).toEqual(late);

    // After it, a duplicate claims the key and runs: the unprotected run left no result to replay.
    await time.advance(REMAINING_MS + CLOCK_SKEW_MS + 1);
    expect(await engine.run(request('order-1'), notify.for({ orderId: 'order-1' }))).toBe('sent 2');
    expect(store.peek(id as string)).toMatchObject({ status: 'COMPLETED' });
    expect(store.peek(id as string)?.lease).not.toBe(late?.lease);
    expect(notify.runs()).toBe(2);
  });

  it('fail closed: a claim that lands after it was given up delays the retry to its expiry; the handler runs once', async () => {
    const { engine, request, store, handler, time } = spec({ storeTimeoutMs: 20 });
    const charge = handler(() => 'charged');
    const held = gate();
    store.beforeNext('claim', () => held.promise);

    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toMatchObject(OUTAGE);
    held.open();
    await realSleep(5);
    await expect(engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).rejects.toBeInstanceOf(InProgressError);
    await time.advance(REMAINING_MS + CLOCK_SKEW_MS + 1);
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(1);
  });

  it("completes that land after they were given up store this run's own result, under its lease", async () => {
    const made = spec({ storeTimeoutMs: 20 });
    const { engine, request, store, handler, warnings } = made;
    const charge = handler(() => 'charged');
    const held = gate();
    for (let index = 0; index < 3; index++) store.beforeNext('complete', () => held.promise);

    expect(await settleWithRealTime(made, engine.run(request('order-1'), charge.for({ orderId: 'order-1' })))).toBe('charged');
    expect(warnings.map((warning) => warning.name)).toEqual(['ResultNotPersistedError']);
    expect((warnings[0] as ResultNotPersistedError).cause).toMatchObject(OUTAGE);
    const [id] = store.ids();
    const claimed = store.peek(id as string);
    expect(claimed?.status).toBe('INPROGRESS');

    held.open();
    await realSleep(5);
    expect(store.peek(id as string)).toMatchObject({ status: 'COMPLETED', lease: claimed?.lease });
    // One invocation's timed-out completes do not open the circuit: the duplicate's claim is sent.
    expect(await engine.run(request('order-1'), charge.for({ orderId: 'order-1' }))).toBe('charged');
    expect(charge.runs()).toBe(1);
  });

  it('completes and a release that land after the claim was taken over are refused: the newer record stays', async () => {
    const made = spec({ storeTimeoutMs: 20 });
    const { engine, request, store, handler, time } = made;
    const first = handler(() => 'first');
    const heldCompletes = gate();
    for (let index = 0; index < 3; index++) store.beforeNext('complete', () => heldCompletes.promise);
    expect(await settleWithRealTime(made, engine.run(request('order-1'), first.for({ orderId: 'order-1' })))).toBe('first');

    // The claim lapses; a retry takes the key over, and its release is held in turn.
    await time.advance(REMAINING_MS + CLOCK_SKEW_MS + 1);
    const takeover = await made.claim('order-1');
    const [id] = store.ids();
    const newer = store.peek(id as string);
    heldCompletes.open();
    await realSleep(5);
    expect(store.peek(id as string)).toEqual(newer);

    await takeover.complete('second');
    expect(store.peek(id as string)).toMatchObject({ status: 'COMPLETED', lease: newer?.lease });
    expect(await engine.run(request('order-1'), first.for({ orderId: 'order-1' }))).toBe('second');
  });

  it("a release that lands after a takeover is refused, and the taker's claim is untouched", async () => {
    const made = spec({ storeTimeoutMs: 20 });
    const { engine, request, store, time, warnings } = made;
    const held = gate();
    store.beforeNext('release', () => held.promise);
    await expect(
      engine.run(request('order-1'), async () => {
        throw new Error('first attempt failed');
      }),
    ).rejects.toThrow('first attempt failed');
    expect(warnings).toMatchObject([{ ...OUTAGE, operation: 'release' }]);

    await time.advance(REMAINING_MS + CLOCK_SKEW_MS + 1);
    await made.claim('order-1');
    const [id] = store.ids();
    const taken = store.peek(id as string);
    held.open();
    await realSleep(5);
    expect(store.peek(id as string)).toEqual(taken);
  });
});

describe('the circuit', () => {
  it(`opens after ${THRESHOLD} consecutive outages: no request is sent for openMs, and each invocation fails at once`, async () => {
    const { engine, request, store, handler, logged } = spec({
      circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS },
    });
    const charge = handler(() => 'charged');
    store.fail('claim', 'outage', THRESHOLD);
    for (let index = 0; index < THRESHOLD; index++) {
      await expect(engine.run(request(`order-${index}`), charge.for({ orderId: `order-${index}` }))).rejects.toMatchObject(
        OUTAGE,
      );
    }
    expect(store.count()).toBe(THRESHOLD);
    expect(logged.filter((line) => line.details?.name === 'StoreCircuitOpen')).toHaveLength(1);

    // The store is healthy again, but this container does not know it before openMs has passed.
    const refused = await engine.run(request('order-9'), charge.for({ orderId: 'order-9' })).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ ...OUTAGE, operation: 'claim', retryAfterMs: OPEN_MS });
    expect((refused as Error).message).toMatch(/circuit is open: claim of record "orders-fn#[\w-]+" was not sent/);
    expect(store.count()).toBe(THRESHOLD);
    expect(charge.runs()).toBe(0);
  });

  it('half-opens after openMs: one request probes, and its success closes the circuit', async () => {
    const { engine, request, store, handler, time, logged } = spec({
      circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS },
    });
    const charge = handler((order) => `charged ${order.orderId}`);
    store.fail('claim', 'outage', THRESHOLD);
    for (let index = 0; index < THRESHOLD; index++) await engine.run(request(`order-${index}`), async () => 0).catch(() => 0);

    await time.advance(OPEN_MS - 1);
    await expect(engine.run(request('early'), charge.for({ orderId: 'early' }))).rejects.toMatchObject({ retryAfterMs: 1 });
    expect(store.count()).toBe(THRESHOLD);

    await time.advance(1);
    expect(await engine.run(request('probe'), charge.for({ orderId: 'probe' }))).toBe('charged probe');
    expect(await engine.run(request('after'), charge.for({ orderId: 'after' }))).toBe('charged after');
    expect(store.requests.slice(THRESHOLD)).toEqual(['claim', 'complete', 'claim', 'complete']);
    expect(logged.map((line) => line.details?.name)).toEqual(['StoreCircuitOpen', 'StoreCircuitClosed']);
  });

  it('a failed probe opens it again for openMs', async () => {
    const { engine, request, store, time } = spec({ circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS } });
    store.fail('claim', 'outage', THRESHOLD + 1);
    for (let index = 0; index <= THRESHOLD; index++) {
      if (index === THRESHOLD) await time.advance(OPEN_MS);
      await expect(engine.run(request(`order-${index}`), async () => 0)).rejects.toMatchObject(OUTAGE);
    }
    expect(store.count()).toBe(THRESHOLD + 1);

    await time.advance(OPEN_MS - 1);
    await expect(engine.run(request('still-open'), async () => 0)).rejects.toMatchObject({ retryAfterMs: 1 });
    expect(store.count()).toBe(THRESHOLD + 1);
    await time.advance(1);
    expect(await engine.run(request('recovered'), async () => 'ran')).toBe('ran');
  });

  it('while the probe is in flight, the other invocations are refused without a request', async () => {
    const { engine, request, store, time } = spec({ circuitBreaker: { failureThreshold: 1, openMs: OPEN_MS } });
    store.fail('claim', 'outage');
    await expect(engine.begin(request('order-0'))).rejects.toMatchObject(OUTAGE);
    await time.advance(OPEN_MS);
    const held = gate();
    store.beforeNext('claim', () => held.promise);

    const probe = engine.begin(request('probe'));
    await expect(engine.begin(request('beside'))).rejects.toMatchObject({ ...OUTAGE, retryAfterMs: 0 });
    held.open();
    expect((await probe).kind).toBe('claimed');
    expect((await engine.begin(request('after'))).kind).toBe('claimed');
    expect(store.requests).toEqual(['claim', 'claim', 'claim']);
  });

  it('counts only outages: any answer of the store (a refusal, a record in the way) resets the count', async () => {
    const { engine, request, store } = spec({ circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS } });
    const claimed = await engine.begin(request('taken'));
    expect(claimed.kind).toBe('claimed');
    for (const answer of ['refusal', 'in-progress'] as const) {
      store.fail('claim', 'outage', THRESHOLD - 1);
      for (let index = 0; index < THRESHOLD - 1; index++) await engine.begin(request(`o-${answer}-${index}`)).catch(() => 0);
      if (answer === 'refusal') {
        store.fail('claim', 'unavailable');
        await expect(engine.begin(request('refused'))).rejects.toMatchObject({ name: 'StoreError', unavailable: false });
      } else {
        await expect(engine.begin(request('taken'))).rejects.toBeInstanceOf(InProgressError);
      }
    }
    store.fail('claim', 'outage', THRESHOLD - 1);
    for (let index = 0; index < THRESHOLD - 1; index++) await engine.begin(request(`last-${index}`)).catch(() => 0);
    // Never 3 in a row: still closed, the next claim is sent.
    const sent = store.count('claim');
    expect((await engine.begin(request('free'))).kind).toBe('claimed');
    expect(store.count('claim')).toBe(sent + 1);
  });

  it('a request that timed out counts as an outage', async () => {
    const { engine, request, store } = spec({ storeTimeoutMs: 10, circuitBreaker: { failureThreshold: 2, openMs: OPEN_MS } });
    const held = gate();
    store.beforeNext('claim', () => held.promise);
    store.beforeNext('claim', () => held.promise);
    await expect(engine.begin(request('a'))).rejects.toMatchObject(OUTAGE);
    await expect(engine.begin(request('b'))).rejects.toMatchObject(OUTAGE);
    await expect(engine.begin(request('c'))).rejects.toMatchObject({ retryAfterMs: OPEN_MS });
    held.open();
    await realSleep(5);
    expect(store.count('claim')).toBe(2);
  });

  it('fail open while open: each invocation runs unprotected with no request, warned and reported with zero requests', async () => {
    const { engine, request, store, handler, warnings, outcomes } = failOpen();
    const notify = handler(() => 'sent');
    store.fail('claim', 'outage', THRESHOLD);
    for (let index = 0; index < THRESHOLD + 2; index++) {
      expect(await engine.run(request(`order-${index}`), notify.for({ orderId: `order-${index}` }))).toBe('sent');
    }
    expect(store.count()).toBe(THRESHOLD);
    expect(notify.runs()).toBe(THRESHOLD + 2);
    expect(warnings).toHaveLength(THRESHOLD + 2);
    expect(outcomes.map((outcome) => [outcome.kind, outcome.requests.total])).toEqual([
      ['store-unavailable', 1],
      ['store-unavailable', 1],
      ['store-unavailable', 1],
      ['store-unavailable', 0],
      ['store-unavailable', 0],
    ]);
    expect(outcomes[4]?.recordId).toMatch(/^orders-fn#/);
    expect(store.ids()).toEqual([]);
  });

  it('complete and release are still sent while it is open, and neither open nor close it', async () => {
    const { engine, request, store } = spec({ circuitBreaker: { failureThreshold: THRESHOLD, openMs: OPEN_MS } });
    const before = await engine.begin(request('claimed-before'));
    const failing = await engine.begin(request('failing-before'));
    if (before.kind !== 'claimed' || failing.kind !== 'claimed') throw new Error('expected two claims');
    store.fail('claim', 'outage', THRESHOLD);
    for (let index = 0; index < THRESHOLD; index++) await engine.begin(request(`o-${index}`)).catch(() => 0);
    await expect(engine.begin(request('refused'))).rejects.toMatchObject({ retryAfterMs: OPEN_MS });

    await before.claim.complete('stored');
    await failing.claim.release();
    expect(store.requests.slice(-2)).toEqual(['complete', 'release']);
    expect(store.peek(before.claim.recordId)).toMatchObject({ status: 'COMPLETED' });
    expect(store.ids()).not.toContain(failing.claim.recordId);
    // Their answers were not a probe: the circuit stays open until openMs has passed.
    await expect(engine.begin(request('still-refused'))).rejects.toMatchObject(OUTAGE);
    expect(store.count('claim')).toBe(2 + THRESHOLD);
  });

  it('is not opened by one invocation retrying its complete: only claims and reads count', async () => {
    const made = spec({ circuitBreaker: { failureThreshold: 2, openMs: OPEN_MS } });
    const { engine, request, store, warnings } = made;
    store.fail('complete', 'outage', 3);
    expect(await made.time.settle(engine.run(request('order-1'), async () => 'charged'))).toBe('charged');
    expect(warnings.map((warning) => warning.name)).toEqual(['ResultNotPersistedError']);
    expect((await engine.begin(request('order-2'))).kind).toBe('claimed');
  });

  it('is one per store object: another store is unaffected, and every instance on the same store shares it', async () => {
    const time = spec().time;
    const shared = new MemoryStore({ clock: time.now });
    const options = { time, store: shared, circuitBreaker: { failureThreshold: 1, openMs: OPEN_MS } } as const;
    const first = spec(options);
    const second = spec({ ...options, name: 'second' });
    const elsewhere = spec({ time, circuitBreaker: { failureThreshold: 1, openMs: OPEN_MS } });
    shared.fail('claim', 'outage');
    await expect(first.engine.begin(first.request('a'))).rejects.toMatchObject(OUTAGE);

    await expect(second.engine.begin(second.request('b'))).rejects.toMatchObject({ retryAfterMs: OPEN_MS });
    expect(shared.count()).toBe(1);
    expect((await elsewhere.engine.begin(elsewhere.request('c'))).kind).toBe('claimed');
  });

  it('circuitBreaker: false sends every request, however many failed before', async () => {
    const { engine, request, store } = spec({ circuitBreaker: false });
    store.fail('claim', 'outage', 10);
    for (let index = 0; index < 10; index++) await engine.begin(request(`o-${index}`)).catch(() => 0);
    expect((await engine.begin(request('free'))).kind).toBe('claimed');
    expect(store.count('claim')).toBe(11);
  });
});

describe('the options', () => {
  it.each([
    [{ whenStoreUnavailable: 'open' }, /"whenStoreUnavailable" must be "fail-closed" or "fail-open", got "open"/],
    [{ storeTimeoutMs: 0 }, /"storeTimeoutMs" must be a finite number of at least 1, got 0/],
    [{ storeTimeoutMs: Number.POSITIVE_INFINITY }, /"storeTimeoutMs"/],
    [{ circuitBreaker: true }, /"circuitBreaker" must be false or \{ failureThreshold\?, openMs\? \}/],
    [
      { circuitBreaker: { failureThreshold: 0 } },
      /"circuitBreaker.failureThreshold" must be a whole number of at least 1, got 0/,
    ],
    [{ circuitBreaker: { failureThreshold: 1.5 } }, /"circuitBreaker.failureThreshold"/],
    [{ circuitBreaker: { openMs: -1 } }, /"circuitBreaker.openMs" must be a finite number of at least 1, got -1/],
  ])('refuses %j at setup', (options, message) => {
    expect(() => spec(options as unknown as SpecOptions)).toThrow(IdempotencyConfigError);
    expect(() => spec(options as unknown as SpecOptions)).toThrow(message);
  });
});
