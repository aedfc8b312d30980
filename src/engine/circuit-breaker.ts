import { isStoreUnavailable, StoreError } from '../errors.js';
import { DEFAULT_CIRCUIT_FAILURE_THRESHOLD, DEFAULT_CIRCUIT_OPEN_MS } from './defaults.js';
import type { IdempotencyOptions } from './options.js';
import type { IdempotencyStore } from './store.js';
import { withRequests } from './store-requests.js';
import type { IdempotencyLogger } from './warn.js';

/** What this container knows of one store's health, shared by every engine that uses the store. */
interface StoreHealth {
  /** Availability failures since the store last answered. */
  failures: number;
  /** Engine-clock milliseconds until which no claim or read is sent; undefined while closed. */
  openUntil: number | undefined;
  /** After `openUntil`, the one request sent to probe the store is in flight: the others still wait. */
  probing: boolean;
}

/** Keyed by the store object the options name: one container, one store, one state. */
const healthOfStore = new WeakMap<IdempotencyStore, StoreHealth>();

function healthOf(store: IdempotencyStore): StoreHealth {
  let health = healthOfStore.get(store);
  if (health === undefined) {
    health = { failures: 0, openUntil: undefined, probing: false };
    healthOfStore.set(store, health);
  }
  return health;
}

/**
 * Wraps the store the engine sends through (`inner`) in the circuit of the options' store: after
 * `failureThreshold` consecutive outages (`StoreError`s marked `unavailable`), claims and reads fail at once, without a
 * request, for `openMs`; then one of them probes. Any answer of the store (a success, a failed
 * condition, a refusal such as access denied) closes the circuit; an outage counts. Complete and
 * release are left alone, always sent and never counted: the handler has run, storing its result is
 * what keeps a duplicate from running it again, and one invocation's retries of its complete are
 * not three invocations meeting the outage. Without a circuit (`circuitBreaker: false`), `inner`.
 */
export function circuitFor<TInput>(
  options: IdempotencyOptions<TInput>,
  logger: IdempotencyLogger,
): (inner: IdempotencyStore) => IdempotencyStore {
  const settings = options.circuitBreaker;
  if (settings === false) return (inner) => inner;
  const threshold = settings?.failureThreshold ?? DEFAULT_CIRCUIT_FAILURE_THRESHOLD;
  const openMs = settings?.openMs ?? DEFAULT_CIRCUIT_OPEN_MS;
  const clock = options.clock ?? Date.now;
  const health = healthOf(options.store);

  /** Lets a claim or read through, or refuses it; true when it is the half-open probe. */
  function admit(operation: string, recordId: string): boolean {
    if (health.openUntil === undefined) return false;
    const now = clock();
    if (now >= health.openUntil && !health.probing) {
      health.probing = true;
      return true;
    }
    throw new StoreError(
      `The idempotency store failed ${health.failures} times in a row, so its circuit is open: ${operation} of record "${recordId}" was not sent.`,
      operation,
      { recordId, unavailable: true, retryAfterMs: Math.max(0, health.openUntil - now) },
    );
  }

  function answered(): void {
    const wasOpen = health.openUntil !== undefined;
    health.failures = 0;
    health.openUntil = undefined;
    if (wasOpen) tell('The idempotency store answered again: its circuit is closed.', { name: 'StoreCircuitClosed' });
  }

  function failed(error: StoreError): void {
    health.failures++;
    if (health.failures < threshold) return;
    const wasOpen = health.openUntil !== undefined;
    health.openUntil = clock() + openMs;
    if (wasOpen) return;
    tell(
      `The idempotency store failed ${health.failures} times in a row: for ${openMs} ms no claim or read is sent to it (circuit open), then one request probes it.`,
      { name: 'StoreCircuitOpen', failures: health.failures, openMs, cause: error.message },
    );
  }

  function tell(message: string, details: Record<string, unknown>): void {
    try {
      logger.warn(message, details);
    } catch {
      // A failing logger must not fail the invocation it was only meant to annotate.
    }
  }

  /** Sends `request`, noting what its outcome says of the store's health. */
  async function observe<T>(request: () => Promise<T>, probe: boolean): Promise<T> {
    try {
      const answer = await request();
      answered();
      return answer;
    } catch (error) {
      if (isStoreUnavailable(error)) failed(error);
      else answered();
      throw error;
    } finally {
      if (probe) health.probing = false;
    }
  }

  return (inner) =>
    withRequests(inner, {
      claim: async (request) => observe(() => inner.claim(request), admit('claim', request.id)),
      get: async (id, readOptions) => observe(() => inner.get(id, readOptions), admit('get', id)),
      complete: (request) => inner.complete(request),
      release: (request) => inner.release(request),
    });
}
