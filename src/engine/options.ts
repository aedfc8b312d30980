import type { IdempotencyWarning } from '../errors.js';
import type { OutcomeSink } from './outcomes/outcome.js';
import type { ResponseHook } from './response-hook.js';
import type { Selector } from './selector.js';
import type { ResultSerializer } from './serializer.js';
import type { IdempotencyStore } from './store.js';
import type { IdempotencyLogger } from './warn.js';

/** Options shared by the Middy middleware and `makeIdempotent`. */
export interface IdempotencyOptions<TInput> {
  /** Where records live, e.g. a {@link DynamoDBStore}. */
  readonly store: IdempotencyStore;
  /**
   * Which part of the input identifies a request: a function, or a dotted path such as
   * `'body.orderId'` (JSON strings met on the way are parsed). Default: for an event of a source
   * that names each delivery, that identity, kept by every retry of the delivery (EventBridge
   * `id`; S3 bucket, key, version and sequencer; SNS topic and message id; Amazon MQ message ids;
   * DocumentDB resume tokens: see docs/sources.md); for any other input the whole input, which is
   * rarely what you want for Lambda events: they carry per-delivery ids and timestamps. An engine
   * made with `createIdempotencyEngine` keys by the whole input unless given a selector.
   */
  readonly key?: Selector<TInput>;
  /**
   * Which part of the input must match on a replay. When set, a duplicate key with a different
   * payload fails with `PayloadMismatchError` instead of replaying another request's result.
   */
  readonly payload?: Selector<TInput>;
  /** How long a completed result is replayed, in seconds. Default 3600 (1 hour). */
  readonly ttlSeconds?: number;
  /**
   * Names this idempotent operation within its Lambda function: records are scoped by
   * `<function name>:<name>` instead of the function name alone. Give one to each of two idempotent
   * instances in one Lambda (a handler wrapper and an inner `makeIdempotent`), so equal keys never
   * meet one record. A fixed string, unlike a JavaScript function's `name`, survives minification:
   * records written by one build are replayed by the next. Inside a Lambda, a second instance that
   * shares a store and the default scope with an earlier one is refused at setup.
   */
  readonly name?: string;
  /**
   * Replaces the whole record scope (the Lambda function name, the adapter's suffix and `name`) with
   * this string. Give two functions or deployments the same prefix to let them share records, or
   * pin the scope when a function is renamed. Records written before the change are not found.
   */
  readonly keyPrefix?: string;
  /**
   * When the key is missing: `true` (default) fails with `MissingIdempotencyKeyError`; `false`
   * runs the handler without idempotency and reports a warning.
   */
  readonly requireKey?: boolean;
  /**
   * How long a claim lasts when no Lambda invocation tells the remaining time, in milliseconds
   * (at least 1). Default 900000: Lambda's longest timeout, so no live invocation can lose its claim.
   * A context reporting less than 1000 ms left (or a negative time) claims for 1000 ms.
   */
  readonly inProgressTimeoutMs?: number;
  /**
   * How long the claim of a durable function's execution lasts, in seconds: set it to the function's
   * durable `ExecutionTimeout`. Default 31622400 (366 days, the longest a durable execution can run),
   * so no live execution loses its claim; a shorter value frees the key sooner after an execution
   * that was stopped or timed out without finishing.
   */
  readonly durableExecutionTimeoutSeconds?: number;
  /**
   * How far apart, in milliseconds, the clocks of two containers may be. Every lapse decision waits
   * this much past a claim's in-progress expiry, so a container whose clock runs ahead cannot take
   * over a claim its owner still holds; a crashed claim is taken over this much later. Default 3000.
   */
  readonly clockSkewMs?: number;
  /**
   * Keep completed results in this container's memory and replay them with no request.
   * `true` keeps up to 256 records. Default off.
   */
  readonly localCache?:
    | boolean
    | {
        /** The most completed records kept; the least recently used one goes first. */
        readonly maxEntries: number;
      };
  /** Turns results into text and back. Default JSON. */
  readonly serializer?: ResultSerializer;
  /**
   * Results larger than this many bytes are compressed before they are stored. Default: the
   * store's own threshold (`DynamoDBStore`: 512, so a result of about 1 KB still fits a record in one
   * write unit; `ValkeyStore`: 1024), else 1024.
   */
  readonly compressAboveBytes?: number;
  /**
   * Let a duplicate that finds the key in progress wait for the owner's result, polling with
   * exponential backoff, instead of failing at once with `InProgressError`. Default off.
   */
  readonly waitForInProgress?: {
    /** The longest wait in milliseconds, never past the invocation's own remaining time. */
    readonly timeoutMs: number;
    /** The first pause between two reads, in milliseconds. Default 50. */
    readonly initialDelayMs?: number;
    /** The longest pause between two reads, in milliseconds. Default 1000. */
    readonly maxDelayMs?: number;
  };
  /**
   * What an invocation does while the store is unavailable: a `StoreError` whose `unavailable` is
   * true (unreachable, no answer within `storeTimeoutMs`, throttled past the client's retries, or
   * the circuit is open). `'fail-closed'` (default): it fails with that error and the handler does
   * not run. `'fail-open'`: the handler runs **without idempotency**: no claim, no record, no
   * replay, so a duplicate may run it again. Each such run is logged as a warning naming its record
   * id and reported as the outcome `store-unavailable`. For work whose duplicate is cheap or
   * harmless (an idempotent write, a notification), never for payments. Failures that waiting does
   * not heal (access denied, a missing table) fail closed either way, and so does an invocation
   * that has already seen another one's live claim on its key.
   */
  readonly whenStoreUnavailable?: 'fail-closed' | 'fail-open';
  /**
   * The longest one store request may take, in milliseconds, its client's own retries included,
   * and never past the invocation's deadline (less 100 ms, for the invocation to answer). A request
   * still unanswered then fails with an unavailable `StoreError`; it may still be applied later,
   * which the lease fences (docs/failure-modes.md). The store is told this bound as the request's
   * `deadline`, so `DynamoDBStore`'s own transport stops its retries in time. Default 5000.
   */
  readonly storeTimeoutMs?: number;
  /**
   * After `failureThreshold` consecutive outages (unavailable `StoreError`s), this container sends
   * the store no claim and no read for `openMs`: invocations fail at once, or run without
   * idempotency with `'fail-open'`, instead of each waiting for the store to time out. Then one
   * invocation probes; any answer of the store closes the circuit, another outage opens it again.
   * The state is kept per store object and shared by every idempotent instance of the container
   * that uses it. Writes that finish a claim (complete, release) are always sent, and not counted:
   * the handler has run, and storing its result is what keeps a duplicate from running it again.
   * `false` turns it off. Default `{ failureThreshold: 3, openMs: 5000 }`.
   */
  readonly circuitBreaker?:
    | false
    | {
        /** Consecutive availability failures that open the circuit. Default 3. */
        readonly failureThreshold?: number;
        /** How long the circuit stays open before one request probes the store, in milliseconds. Default 5000. */
        readonly openMs?: number;
      };
  /** Receives every problem that is reported instead of thrown (see `IdempotencyWarning`). */
  readonly onWarning?: (warning: IdempotencyWarning) => void;
  /** Where reported problems (and, for `idempotentBatch`, failed records) are logged. Default `console`. */
  readonly logger?: IdempotencyLogger;
  /**
   * Receives one `IdempotencyOutcome` per invocation (executed, replayed, refused...): a function of
   * your own, the sinks of `lambda-idempotency/observability` (structured log, EMF, OpenTelemetry,
   * Powertools Metrics), or an array of them. A sink that throws or rejects is logged and never
   * changes the invocation's result. Without sinks nothing is measured.
   */
  readonly onOutcome?: OutcomeSink | readonly OutcomeSink[];
  /** Adjusts a replayed result before it is returned; if it throws, the stored result is returned. */
  readonly responseHook?: ResponseHook;
  /**
   * Turns idempotency off: handlers run plainly, with no request to the store. Default: on, unless
   * `IDEMPOTENCY_DISABLED` or `POWERTOOLS_IDEMPOTENCY_DISABLED` is set to `true` or `1` when the
   * instance is created (a Lambda function's environment changes only with a new container).
   */
  readonly disabled?: boolean;
  /** The current time in epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}
