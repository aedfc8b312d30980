/**
 * What the library decided for one invocation, as data: the closed set an on-call engineer needs
 * to tell a replay from a second execution, and the numbers behind it.
 */
export type OutcomeKind =
  /** Claimed, the handler ran, its result was stored. */
  | 'executed'
  /** A completed record was found in the store and its result returned. */
  | 'replayed'
  /** The result came from this container's local cache: no request at all. */
  | 'replayed-from-cache'
  /** Another invocation held the claim: refused, or waited for and then replayed (see `waited`). */
  | 'in-progress'
  /** The key was reused with a different payload: refused, nothing written. */
  | 'payload-mismatch'
  /** The handler threw (or its response asked for a release): the claim was released for a retry. */
  | 'handler-failed'
  /** The claim expired and another invocation took it over before this one completed or released. */
  | 'lease-lost'
  /** The handler succeeded but its result could not be stored (writes failed, or it cannot be stored). */
  | 'result-not-persisted'
  /** The store failed (or holds a record this library cannot read) before the handler could run. */
  | 'store-error'
  /**
   * The store was unavailable and `whenStoreUnavailable` is `'fail-open'`: the handler ran without
   * idempotency (no claim, nothing stored), so a duplicate may run it again.
   */
  | 'store-unavailable'
  /**
   * Claimed, but the invocation ended before the claim was completed or released: the handler was
   * still running shortly before the deadline, or Middy's `timeoutEarly` failed the invocation. The
   * record stays INPROGRESS until its in-progress expiry; duplicates meanwhile are refused.
   */
  | 'abandoned'
  /** No idempotency key: the handler ran without idempotency, or the invocation was refused for it. */
  | 'unkeyed';

/**
 * Calls this invocation made to the store, by operation. With DynamoDB each is one request, except
 * a claim meeting an existing record on an endpoint that does not return it (dynalite): a GetItem more.
 */
export interface OutcomeRequests {
  /** Claim writes (the conditional put, and its retries). */
  readonly claim: number;
  /** Reads of an existing record (the fallback read where the claim's error does not carry it, waiting). */
  readonly get: number;
  /** Writes that completed the record with the result. */
  readonly complete: number;
  /** Deletes that released the claim. */
  readonly release: number;
  /** All of the above. */
  readonly total: number;
}

/** One stretch of the library's own work (the handler's run is never inside one). */
export interface OutcomePhase {
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /** How long the phase took, in milliseconds. */
  readonly durationMs: number;
  /** For the finish phase: which write ended the claim. */
  readonly operation?: 'complete' | 'release';
}

/** The outcome of one invocation, handed to every `onOutcome` sink once. */
export interface IdempotencyOutcome {
  /** What was decided. */
  readonly kind: OutcomeKind;
  /** The record id (`<scope>#<sha256>`): the hash of the key, never the key itself. Absent when unkeyed. */
  readonly recordId?: string;
  /** The record scope: `keyPrefix`, or the scope the adapter derived (function name...). */
  readonly scope: string;
  /** The HTTP status of the response returned, when the result is an HTTP response. */
  readonly statusCode?: number;
  /** For `in-progress`: true when this invocation waited and then replayed the owner's result. */
  readonly waited?: boolean;
  /** Milliseconds of the library's own work: claim (and waiting), then complete or release. */
  readonly durationMs: number;
  /** `begin` (cache lookup, claim, wait) and `finish` (complete or release) when it happened. */
  readonly phases: {
    /** Cache lookup, claim and any waiting. */
    readonly begin: OutcomePhase;
    /** The complete or release write, when one was made. */
    readonly finish?: OutcomePhase;
  };
  /** The store calls this invocation made. */
  readonly requests: OutcomeRequests;
  /** The error behind a failure outcome (name and message only: messages never hold raw keys). */
  readonly error?: {
    /** The error's class name, such as `StoreError`. */
    readonly name: string;
    /** The error's message. */
    readonly message: string;
  };
}

/**
 * Receives one outcome per invocation: a function of your own, or a sink of
 * `lambda-idempotency/observability` (`outcomeLog`, `emfMetrics`, `openTelemetrySpans`,
 * `powertoolsMetrics`). A sink that throws or rejects is logged and never changes the invocation's
 * result.
 */
export type OutcomeSink = (outcome: IdempotencyOutcome) => void | Promise<void>;
