import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyStore } from '../store.js';

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

/** The port's requests, the part of a store the outcomes count. */
type Requests = Pick<IdempotencyStore, 'claim' | 'get' | 'complete' | 'release'>;

/**
 * The store, counting each request against the invocation that sent it and noting what the answers
 * meant. Everything else (`maxResultBytes`, `compression`, whatever the port gains later, and the
 * store's own extras) is read from the store itself, never copied: a wrapper that listed what to
 * forward once dropped `compression`, and observing outcomes changed how results were stored.
 */
export function countingStore(store: IdempotencyStore): IdempotencyStore {
  const current = () => tallies.getStore();
  const requests: Requests = {
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
  // The proxy's target is `requests`, not the store: a frozen store would make a proxy over it
  // refuse to answer its own methods with the counting ones.
  return new Proxy(requests as IdempotencyStore, {
    get(counting, property) {
      if (Object.hasOwn(counting, property)) return Reflect.get(counting, property);
      // The store as receiver and `this`: its getters and methods may read its private fields.
      const value: unknown = Reflect.get(store, property, store);
      return typeof value === 'function' ? value.bind(store) : value;
    },
    has: (counting, property) => Object.hasOwn(counting, property) || property in store,
  });
}
