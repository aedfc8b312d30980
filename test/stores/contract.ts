import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest, IdempotencyStore, StoredResult } from '../../src/engine/index.js';
import { makeIdempotent } from '../../src/index.js';
import { warningSink } from '../support/fixtures.js';

/** A store under contract, and what the suite needs to know about its backend. */
export interface ContractSubject {
  readonly store: IdempotencyStore;
  /** Requests the store has sent so far (each command once). */
  requests(): number;
  /** Requests a duplicate costs: 1, or 2 on an endpoint that does not return the old item. */
  readonly duplicateRequests: number;
  stop(): Promise<void>;
}

/**
 * One set of behaviour tests for every {@link IdempotencyStore}: the claim condition, the lease
 * fencing, result kinds, and the engine on top. Each store's test file calls this once per backend.
 */
export function storeContract(name: string, setup: () => Promise<ContractSubject>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`store contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: IdempotencyStore;
    beforeAll(async () => {
      subject = await setup();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.stop();
    });

    // Real time (a store with native expiry drops records whose window is long past), mid-second.
    const now = Math.floor(Date.now() / 1000) * 1000 + 500;
    const nowSeconds = Math.floor(now / 1000);
    const newId = () => `contract#${randomUUID()}`;
    const claim = (id: string, overrides: Partial<ClaimRequest> = {}) =>
      store.claim({ id, lease: 'lease-a', expiresAt: nowSeconds + 60, inProgressUntil: now + 1_000, now, ...overrides });

    describe('claim', () => {
      it('claims a new key once; a second claim gets the live record back', async () => {
        const id = newId();
        expect(await claim(id, { fingerprint: 'fp-1' })).toEqual({ claimed: true });
        const second = await claim(id, { lease: 'lease-b' });
        expect(second).toEqual({
          claimed: false,
          existing: {
            id,
            status: 'INPROGRESS',
            expiresAt: nowSeconds + 60,
            inProgressUntil: now + 1_000,
            lease: 'lease-a',
            fingerprint: 'fp-1',
            result: undefined,
          },
        });
        expect(await store.get(id)).toEqual(!second.claimed && second.existing);
      });

      it('gives a retried claim whose reply was lost its own record back, with its lease', async () => {
        const id = newId();
        await claim(id);
        const retried = await claim(id);
        expect(retried.claimed).toBe(false);
        expect(!retried.claimed && retried.existing?.lease).toBe('lease-a');
      });

      it('lets exactly one of many concurrent claims win', async () => {
        const id = newId();
        const results = await Promise.all(Array.from({ length: 12 }, (_, index) => claim(id, { lease: `lease-${index}` })));
        expect(results.filter((result) => result.claimed)).toHaveLength(1);
        const winner = results.findIndex((result) => result.claimed);
        for (const result of results) {
          if (!result.claimed) expect(result.existing?.lease).toBe(`lease-${winner}`);
        }
      });

      it('takes over an in-progress claim only once its in-progress expiry has passed (strictly)', async () => {
        const id = newId();
        await claim(id, { inProgressUntil: now });
        expect((await claim(id, { lease: 'lease-b' })).claimed).toBe(false);
        expect(await claim(id, { lease: 'lease-b', now: now + 1 })).toEqual({ claimed: true });
        expect(await store.get(id)).toMatchObject({ status: 'INPROGRESS', lease: 'lease-b' });
      });

      it('lets exactly one of many concurrent takeovers of a lapsed claim win', async () => {
        const id = newId();
        await claim(id, { inProgressUntil: now - 1 });
        const results = await Promise.all(Array.from({ length: 8 }, (_, index) => claim(id, { lease: `taker-${index}` })));
        expect(results.filter((result) => result.claimed)).toHaveLength(1);
      });

      it('never takes over a completed record within its window, whatever its old in-progress expiry', async () => {
        const id = newId();
        await claim(id, { inProgressUntil: now - 10_000 });
        await store.complete({ id, lease: 'lease-a', result: { kind: 'text', text: '1' }, expiresAt: nowSeconds + 60 });
        const late = await claim(id, { lease: 'lease-b', now: now + 30_000 });
        expect(late).toMatchObject({ claimed: false, existing: { status: 'COMPLETED', lease: 'lease-a' } });
      });

      it('takes over any record whose window has ended, counted in whole epoch seconds', async () => {
        const id = newId();
        await claim(id, { expiresAt: nowSeconds });
        await store.complete({ id, lease: 'lease-a', result: { kind: 'text', text: '1' }, expiresAt: nowSeconds });
        expect(
          (await claim(id, { lease: 'lease-b', now: (nowSeconds + 1) * 1000 - 1, inProgressUntil: now + 5_000 })).claimed,
        ).toBe(false);
        expect(await claim(id, { lease: 'lease-b', now: (nowSeconds + 1) * 1000, inProgressUntil: now + 5_000 })).toEqual({
          claimed: true,
        });
        expect(await store.get(id)).toMatchObject({ status: 'INPROGRESS', lease: 'lease-b', fingerprint: undefined });
      });
    });

    describe('complete and release', () => {
      it('apply only under the lease that holds the record', async () => {
        const id = newId();
        await claim(id);
        const result = { kind: 'text', text: '"done"' } as const;
        expect(await store.complete({ id, lease: 'someone-else', result, expiresAt: nowSeconds + 120 })).toBe(false);
        expect(await store.release({ id, lease: 'someone-else' })).toBe(false);
        expect(await store.get(id)).toMatchObject({ status: 'INPROGRESS', lease: 'lease-a' });
        expect(await store.complete({ id, lease: 'lease-a', result, expiresAt: nowSeconds + 120 })).toBe(true);
        expect(await store.get(id)).toEqual({
          id,
          status: 'COMPLETED',
          expiresAt: nowSeconds + 120,
          inProgressUntil: undefined,
          lease: 'lease-a',
          fingerprint: undefined,
          result,
        });
        expect(await store.release({ id, lease: 'lease-a' })).toBe(true);
        expect(await store.get(id)).toBeUndefined();
      });

      it('never creates a record by completing one that does not exist', async () => {
        const id = newId();
        expect(await store.complete({ id, lease: 'lease-a', result: { kind: 'undefined' }, expiresAt: nowSeconds + 60 })).toBe(
          false,
        );
        expect(await store.get(id)).toBeUndefined();
      });

      it('counts releasing a record that is already gone as released', async () => {
        expect(await store.release({ id: newId(), lease: 'lease-a' })).toBe(true);
      });

      it('leaves a record taken over by another lease untouched', async () => {
        const id = newId();
        await claim(id, { inProgressUntil: now - 1 });
        await claim(id, { lease: 'lease-b' });
        expect(
          await store.complete({ id, lease: 'lease-a', result: { kind: 'text', text: 'stale' }, expiresAt: nowSeconds + 60 }),
        ).toBe(false);
        expect(await store.release({ id, lease: 'lease-a' })).toBe(false);
        expect(await store.get(id)).toMatchObject({ status: 'INPROGRESS', lease: 'lease-b', result: undefined });
      });
    });

    describe('results keep their kind', () => {
      const binary = new Uint8Array([0, 1, 0xff, 0xfe, 0x0d, 0x0a, 0x00, 0x80, ...randomBytes(2048)]);
      const results: [string, StoredResult][] = [
        ['text', { kind: 'text', text: '{"ü":"€","n":null}' }],
        ['empty text', { kind: 'text', text: '' }],
        ['compressed bytes (any byte value)', { kind: 'compressed', bytes: binary }],
        ['undefined', { kind: 'undefined' }],
        ['an error marker', { kind: 'error', name: 'ResultTooLargeError', message: 'too "large": 9 MB' }],
      ];
      it.each(results)('%s round-trips through complete, get and a failed claim', async (_name, result) => {
        const id = newId();
        await claim(id);
        expect(await store.complete({ id, lease: 'lease-a', result, expiresAt: nowSeconds + 60 })).toBe(true);
        expect((await store.get(id))?.result).toEqual(result);
        const duplicate = await claim(id, { lease: 'lease-b' });
        expect(!duplicate.claimed && duplicate.existing?.result).toEqual(result);
      });
    });

    describe('the engine on top', () => {
      it('runs a handler once per key, replays every kind of result, and costs 2 requests then the duplicate floor', async () => {
        const executions: string[] = [];
        const produce = makeIdempotent(
          async function produce(request: { id: string; size: number; kind: 'json' | 'undefined' }) {
            executions.push(request.id);
            if (request.kind === 'undefined') return undefined;
            return { id: request.id, blob: 'x'.repeat(request.size), at: new Date(0).toISOString() };
          },
          { store, key: 'id', ...warningSink() },
        );
        for (const [size, kind] of [
          [10, 'json'],
          [50_000, 'json'],
          [0, 'undefined'],
        ] as const) {
          const input = { id: randomUUID(), size, kind };
          const before = subject.requests();
          const first = await produce(input);
          expect(subject.requests() - before).toBe(2);
          const mid = subject.requests();
          expect(await produce(input)).toEqual(first);
          expect(subject.requests() - mid).toBe(subject.duplicateRequests);
          expect(executions.filter((id) => id === input.id)).toHaveLength(1);
        }
      });

      it('replays from the local cache with no request at all', async () => {
        let executions = 0;
        const produce = makeIdempotent(
          async function cached(_request: { id: string }) {
            executions++;
            return { n: executions };
          },
          { store, key: 'id', localCache: { maxEntries: 10 } },
        );
        const input = { id: randomUUID() };
        await produce(input);
        const before = subject.requests();
        expect(await produce(input)).toEqual({ n: 1 });
        expect(subject.requests()).toBe(before);
        expect(executions).toBe(1);
      });

      it('releases the claim of a handler that threw, so a retry runs it again', async () => {
        let executions = 0;
        const flaky = makeIdempotent(
          async function flaky(_request: { id: string }) {
            executions++;
            if (executions === 1) throw new Error('first try fails');
            return 'ok';
          },
          { store, key: 'id' },
        );
        const input = { id: randomUUID() };
        await expect(flaky(input)).rejects.toThrow('first try fails');
        expect(await flaky(input)).toBe('ok');
        expect(await flaky(input)).toBe('ok');
        expect(executions).toBe(2);
      });
    });
  });
}
