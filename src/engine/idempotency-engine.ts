import type { StoreError } from '../errors.js';
import type { Claim } from './claim.js';

/** What an adapter knows about one invocation. */
export interface InvocationRequest<TInput> {
  /** The event or arguments the key and payload selectors read. */
  readonly input: TInput;
  /** The record scope the adapter derived (the function name, and a suffix of its own); `name` extends it, `keyPrefix` replaces it. */
  readonly scope: string;
  /** `context.getRemainingTimeInMillis()` when a Lambda context exists. 0 is a real value. */
  readonly remainingTimeMs?: number;
  /**
   * The id of an execution that re-runs the handler from the start in later invocations (a durable
   * function's execution ARN). Its claim's lease is derived from this id, so each re-run holds the
   * claim again, and the claim lasts `durableExecutionTimeoutSeconds` instead of one invocation.
   */
  readonly durableExecutionId?: string;
}

/**
 * What `begin` decided: replay a stored value, run under a claim the caller must finish, or run
 * without idempotency (no key, or the store unavailable with `whenStoreUnavailable: 'fail-open'`).
 */
export type InvocationDecision =
  | {
      readonly kind: 'replay';
      readonly value: unknown;
      /** The id of the record whose result is replayed. */
      readonly recordId: string;
      /** True when the result came from this container's local cache, without a request. */
      readonly fromCache: boolean;
    }
  | { readonly kind: 'claimed'; readonly claim: Claim }
  /** No key and `requireKey: false`: run the handler without idempotency. */
  | { readonly kind: 'unkeyed' }
  /**
   * The store is unavailable and `whenStoreUnavailable` is `'fail-open'`: run the handler without
   * idempotency. Nothing was claimed, so there is nothing to finish, and nothing of the run is stored.
   */
  | {
      readonly kind: 'store-unavailable';
      /** The id of the record that could not be claimed. */
      readonly recordId: string;
      /** Why the store is considered unavailable: a `StoreError` with `unavailable` set. */
      readonly error: StoreError;
    };

/**
 * The record state machine, free of any event source or database. Adapters (the Middy
 * middleware, `makeIdempotent`) call `begin` and then finish the claim, or simply `run`.
 */
export interface IdempotencyEngine<TInput> {
  /** Looks the key up and claims it when no live record holds it. A `claimed` decision must be finished once: `claim.complete(result)`, `claim.release()`, or `claim.abandon()` when the invocation ends while the handler may still run. */
  begin(request: InvocationRequest<TInput>): Promise<InvocationDecision>;
  /** `begin`, then, under a claim, the handler once and `complete` or `release`. */
  run<R>(request: InvocationRequest<TInput>, handler: () => Promise<R>): Promise<R>;
}
