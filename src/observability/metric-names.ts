/**
 * The names of the metrics `emfMetrics` and `powertoolsMetrics` write, and of the namespace and
 * dimension they write them under: a module of constants alone, which the CDK constructs read
 * without loading the sinks.
 */

/** The count metric each outcome adds 1 to; refused and waited in-progress outcomes count apart. */
export const OUTCOME_METRICS = {
  /** Handler ran, result stored. */
  executed: 'Executed',
  /** Stored result replayed from the store. */
  replayed: 'Replayed',
  /** Replayed from the container's local cache, no request. */
  'replayed-from-cache': 'ReplayedFromCache',
  /** Refused because another invocation holds the claim (a waited replay counts as `InProgressWaited`). */
  'in-progress': 'InProgressRefused',
  /** Key reused with another payload. */
  'payload-mismatch': 'PayloadMismatch',
  /** Handler threw; claim released. */
  'handler-failed': 'HandlerFailed',
  /** Claim taken over before it was finished. */
  'lease-lost': 'LeaseLost',
  /** Handler succeeded, result not stored. */
  'result-not-persisted': 'ResultNotPersisted',
  /** The store failed before the handler ran. */
  'store-error': 'StoreError',
  /** The store was unavailable and the handler ran without idempotency (`whenStoreUnavailable: 'fail-open'`). */
  'store-unavailable': 'StoreUnavailable',
  /** The invocation ended with its claim unfinished (a timeout). */
  abandoned: 'ClaimAbandoned',
  /** No idempotency key. */
  unkeyed: 'Unkeyed',
} as const;
/** An in-progress outcome that waited and then replayed the owner's result. */
export const WAITED_METRIC = 'InProgressWaited';
/** Milliseconds of the library's own work in the invocation (never the handler's). */
export const OVERHEAD_METRIC = 'IdempotencyOverhead';
/** Requests the invocation sent to the store. */
export const REQUESTS_METRIC = 'StoreRequests';
/** The CloudWatch namespace `emfMetrics` writes to unless told otherwise. */
export const DEFAULT_NAMESPACE = 'LambdaIdempotency';
/** The dimension holding the Lambda function's name, in every document unless `omitFunctionName`. */
export const FUNCTION_DIMENSION = 'FunctionName';
