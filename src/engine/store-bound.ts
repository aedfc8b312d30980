import { StoreError } from '../errors.js';
import type { IdempotencyStore } from './store.js';
import { withRequests } from './store-requests.js';

/** Kept back from the invocation's deadline: time for the invocation to fail, or run its handler. */
export const DEADLINE_RESERVE_MS = 100;
/** The least a request is given when the invocation's deadline is closer than that. */
const MIN_REQUEST_MS = 100;

/**
 * `store` with each request bounded in time: it must settle by `timeoutMs` from now and by the
 * invocation's deadline less {@link DEADLINE_RESERVE_MS}, whichever comes first, or it fails with
 * a `StoreError` marked `unavailable`. The store is handed that instant as the request's `deadline`, so a store
 * that honours it (the DynamoDB transport) stops retrying in time, and one that does not (a client
 * whose own timeouts are longer, or unset) still cannot hold the invocation past it.
 *
 * A request given up on may still be applied by the store later. Every write that could then land
 * is fenced: a claim only where no live record stands, complete and release only under the lease
 * that wrote the claim (see docs/failure-modes.md for each case).
 */
export function boundedStore(store: IdempotencyStore, timeoutMs: number): IdempotencyStore {
  function boundOf(invocationDeadline: number | undefined): Bound {
    const now = Date.now();
    const latest = now + timeoutMs;
    const deadline =
      invocationDeadline === undefined
        ? latest
        : Math.min(latest, Math.max(invocationDeadline - DEADLINE_RESERVE_MS, now + MIN_REQUEST_MS));
    return { setAt: now, deadline };
  }

  return withRequests(store, {
    claim(request) {
      const bound = boundOf(request.deadline);
      return settleBy(bound, 'claim', request.id, () => store.claim({ ...request, deadline: bound.deadline }));
    },
    get(id, options) {
      const bound = boundOf(options?.deadline);
      return settleBy(bound, 'get', id, () => store.get(id, { ...options, deadline: bound.deadline }));
    },
    complete(request) {
      const bound = boundOf(request.deadline);
      return settleBy(bound, 'complete', request.id, () => store.complete({ ...request, deadline: bound.deadline }));
    },
    release(request) {
      const bound = boundOf(request.deadline);
      return settleBy(bound, 'release', request.id, () => store.release({ ...request, deadline: bound.deadline }));
    },
  });
}

/** When a request must have settled (wall clock), and when that was decided: the span the error names. */
interface Bound {
  readonly setAt: number;
  readonly deadline: number;
}

/** `request()`, or an unavailable `StoreError` once the wall clock reaches the bound's deadline without its answer. */
async function settleBy<T>(bound: Bound, operation: string, recordId: string, request: () => Promise<T>): Promise<T> {
  const { setAt, deadline } = bound;
  // A store method that throws instead of rejecting is still one failed request.
  const answer = (async () => request())();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreError(
            `The idempotency store did not answer ${operation} of record "${recordId}" within ${deadline - setAt} ms (storeTimeoutMs, or the invocation's deadline); it may still apply it later.`,
            operation,
            { recordId, unavailable: true },
          ),
        ),
      Math.max(0, deadline - Date.now()),
    );
    // A pending bound must never keep a process (a test, a script) alive.
    timer.unref?.();
  });
  try {
    // The race also handles `answer`'s rejection should it come after the bound: nothing is left unhandled.
    return await Promise.race([answer, expired]);
  } finally {
    clearTimeout(timer);
  }
}
