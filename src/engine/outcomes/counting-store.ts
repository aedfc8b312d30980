import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyStore } from '../store.js';
import { type StoreRequests, withRequests } from '../store-requests.js';

/** What one invocation did to the store, gathered while its own calls run (batches run many at once). */
export interface Tally {
  claim: number;
  get: number;
  complete: number;
  release: number;
  recordId: string | undefined;
  completed: boolean;
  leaseLost: boolean;
  storeError: unknown;
}

const tallies = new AsyncLocalStorage<Tally>();

/** A tally of nothing yet, for one invocation. */
export function newTally(): Tally {
  return {
    claim: 0,
    get: 0,
    complete: 0,
    release: 0,
    recordId: undefined,
    completed: false,
    leaseLost: false,
    storeError: undefined,
  };
}

/** Runs `work`, counting the requests it sends through a {@link countingStore} on `tally`. */
export function countRequests<R>(tally: Tally, work: () => Promise<R>): Promise<R> {
  return tallies.run(tally, work);
}

/**
 * The store, counting each request against the invocation that sent it and noting what the answers
 * meant; everything that is not a request is the store's own (see {@link withRequests}).
 */
export function countingStore(store: IdempotencyStore): IdempotencyStore {
  const current = () => tallies.getStore();
  const requests: StoreRequests = {
    async claim(request) {
      const tally = current();
      if (tally) {
        tally.claim++;
        tally.recordId = request.id;
      }
      return store.claim(request);
    },
    async get(id, options) {
      const tally = current();
      if (tally) tally.get++;
      return store.get(id, options);
    },
    async complete(request) {
      const tally = current();
      if (tally) tally.complete++;
      try {
        const applied = await store.complete(request);
        if (tally) {
          tally.completed ||= applied;
          tally.leaseLost ||= !applied;
        }
        return applied;
      } catch (error) {
        if (tally) tally.storeError = error;
        throw error;
      }
    },
    async release(request) {
      const tally = current();
      if (tally) tally.release++;
      try {
        const released = await store.release(request);
        if (tally) tally.leaseLost ||= !released;
        return released;
      } catch (error) {
        if (tally) tally.storeError = error;
        throw error;
      }
    },
  };
  return withRequests(store, requests);
}
