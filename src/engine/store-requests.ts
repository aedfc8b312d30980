import type { IdempotencyStore } from './store.js';

/** The port's requests: what a wrapper of a store replaces. */
export type StoreRequests = Pick<IdempotencyStore, 'claim' | 'get' | 'complete' | 'release'>;

/**
 * `store` with its four requests replaced by `requests`. Everything else (`maxResultBytes`,
 * `compression`, whatever the port gains later, and the store's own extras) is read from the store
 * itself, never copied: a wrapper that listed what to forward once dropped `compression`, and
 * wrapping the store changed how results were stored.
 */
export function withRequests(store: IdempotencyStore, requests: StoreRequests): IdempotencyStore {
  // The proxy's target is `requests`, not the store: a frozen store would make a proxy over it
  // refuse to answer its own methods with the replaced ones.
  return new Proxy(requests as IdempotencyStore, {
    get(replaced, property) {
      if (Object.hasOwn(replaced, property)) return Reflect.get(replaced, property);
      // The store as receiver and `this`: its getters and methods may read its private fields.
      const value: unknown = Reflect.get(store, property, store);
      return typeof value === 'function' ? value.bind(store) : value;
    },
    has: (replaced, property) => Object.hasOwn(replaced, property) || property in store,
  });
}
