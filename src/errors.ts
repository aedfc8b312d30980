/**
 * What an error of this library was caused by, passed as its last constructor argument. The shape
 * of ES2022's `ErrorOptions`, declared here so the package's types need no `lib` newer than ES2020.
 */
export interface IdempotencyErrorOptions {
  /** The error this one stands for, kept as `error.cause`. */
  readonly cause?: unknown;
}

/**
 * Every error this library throws or reports extends {@link IdempotencyError}, so callers can tell
 * them apart from their own handler's errors with one `instanceof` check.
 */
export class IdempotencyError extends Error {
  // Spelled out in every class: minifiers rename classes, and `name` is part of the contract.
  /** The error's stable name, the same in every build (minified or not): match on it, not on the class name. */
  override name = 'IdempotencyError';
}

/** The options given to the middleware, wrapper or store are unusable. Thrown at setup time. */
export class IdempotencyConfigError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'IdempotencyConfigError';
}

/**
 * An adapter received an event it cannot read: `httpIdempotency` given a non-HTTP event, or
 * `idempotentBatch` given an event of no supported source (or one mixing sources). It fails the
 * whole invocation: nothing in the event can be attributed.
 */
export class UnsupportedEventError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'UnsupportedEventError';
}

/** The key selector found nothing usable (undefined, null, an empty string, array or object). */
export class MissingIdempotencyKeyError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'MissingIdempotencyKeyError';
}

/** The selected key material cannot be hashed canonically (BigInt, a function, a cycle, NaN...). */
export class InvalidIdempotencyKeyError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'InvalidIdempotencyKeyError';
}

/** A record exists for this key, but it was written for a different payload. Nothing was written. */
export class PayloadMismatchError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'PayloadMismatchError';

  /** @param recordId The id of the idempotency record concerned (scope and key hash), as stored in the table. */
  constructor(readonly recordId: string) {
    super(
      `The idempotency key of record "${recordId}" was already used with a different payload; the stored result is not replayed and nothing was written.`,
    );
  }
}

/** Another invocation holds the claim on this key and has not finished yet: retry later. */
export class InProgressError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'InProgressError';

  constructor(
    /** The id of the idempotency record concerned (scope and key hash), as stored in the table. */
    readonly recordId: string,
    /** Epoch milliseconds at which the holder's claim expires, when known. */
    readonly inProgressUntil: number | undefined,
  ) {
    const until = inProgressUntil === undefined ? '' : ` (its claim expires at ${new Date(inProgressUntil).toISOString()})`;
    super(`Another invocation is still processing idempotency record "${recordId}"${until}; retry later.`);
  }

  /** Milliseconds until the holder's claim expires, measured against `now` (never negative). */
  retryAfterMs(now: number = Date.now()): number | undefined {
    return this.inProgressUntil === undefined ? undefined : Math.max(0, this.inProgressUntil - now);
  }
}

/**
 * The handler ran, but its result cannot be stored. The record is completed with this error as a
 * marker, so every duplicate receives the same error instead of running the handler a second time.
 */
export class UnstorableResultError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'UnstorableResultError';
}

/** The result could not be serialized (a cycle, a BigInt, a function...). */
export class ResultNotSerializableError extends UnstorableResultError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'ResultNotSerializableError';
}

/** The result is larger than the store can hold, even compressed. */
export class ResultTooLargeError extends UnstorableResultError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'ResultTooLargeError';
}

/**
 * A request to the persistence layer failed for a reason other than a failed condition.
 *
 * `unavailable` tells an outage (a connection refused or reset, no answer within the request's
 * bound, throttling that outlasted the client's retries, a server error or a server too busy to
 * answer, or the circuit open after consecutive such failures) from a refusal that waiting does
 * not heal (access denied, a missing table, a key holding another application's data). Only an
 * outage may fail open (`whenStoreUnavailable: 'fail-open'`) and count towards the circuit. A store
 * of your own sets it for the failures of its own that an outage causes.
 */
export class StoreError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'StoreError';
  /** True when the store was unavailable (an outage), false when it refused the request. */
  readonly unavailable: boolean;
  /** The id of the idempotency record the request was about (scope and key hash), when known. */
  readonly recordId: string | undefined;
  /** Milliseconds until the open circuit lets a request through again; set when the circuit refused this request. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    /**
     * Which request failed, as the store names it (the DynamoDB store: `PutItem`, `GetItem`,
     * `UpdateItem`, `DeleteItem`); as the engine names it (`claim`, `get`, `complete`, `release`)
     * when the engine gave up on the request (`storeTimeoutMs`) or the open circuit did not send it.
     */
    readonly operation: string,
    options?: IdempotencyErrorOptions & {
      /** An outage rather than a refusal (see {@link StoreError}). Default false. */
      readonly unavailable?: boolean;
      /** The id of the idempotency record the request was about. */
      readonly recordId?: string;
      /** Set by the circuit: milliseconds until it lets a request through again. */
      readonly retryAfterMs?: number;
    },
  ) {
    super(message, options);
    this.unavailable = options?.unavailable ?? false;
    this.recordId = options?.recordId;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** True for a `StoreError` that reports an outage of the store (see {@link StoreError.unavailable}). */
export function isStoreUnavailable(error: unknown): error is StoreError {
  return error instanceof StoreError && error.unavailable;
}

/** A record in the table does not have the shape this library writes (another tool, manual edits). */
export class CorruptRecordError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'CorruptRecordError';

  constructor(
    /** The id of the idempotency record concerned (scope and key hash), as stored in the table. */
    readonly recordId: string,
    problem: string,
    options?: IdempotencyErrorOptions,
  ) {
    super(`Idempotency record "${recordId}" is corrupt: ${problem}.`, options);
  }
}

/**
 * Reported (never thrown): this invocation's claim expired and another invocation took it over
 * before this one finished. The newer owner's record was left untouched.
 */
export class LeaseLostError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'LeaseLostError';

  constructor(
    /** The id of the idempotency record concerned (scope and key hash), as stored in the table. */
    readonly recordId: string,
    /** The write that was not applied because the lease was no longer held. */
    readonly operation: 'complete' | 'release',
  ) {
    super(
      `Idempotency record "${recordId}" is no longer held by this invocation (its claim expired and was taken over, or the record was removed); the ${operation} was not applied and the newer record was left untouched.`,
    );
  }
}

/**
 * Reported (never thrown): the handler succeeded but its result could not be written after
 * retries. The claim stays in progress until its in-progress expiry, so no duplicate runs the
 * handler while this invocation may still be seen as its owner.
 */
export class ResultNotPersistedError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'ResultNotPersistedError';

  constructor(
    /** The id of the idempotency record concerned (scope and key hash), as stored in the table. */
    readonly recordId: string,
    options?: IdempotencyErrorOptions,
  ) {
    super(
      `The result for idempotency record "${recordId}" could not be stored; the claim stays in progress until its in-progress expiry.`,
      options,
    );
  }
}

/**
 * Reported (never thrown), as the error of an `abandoned` outcome: the invocation ended, or was about
 * to reach its deadline, while its handler may still run. The claim stays in progress until its
 * in-progress expiry, so no retry runs beside the handler.
 */
export class InvocationDeadlineError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'InvocationDeadlineError';

  /** @param marginMs How long before the deadline the handler was still running; 0 when the invocation already ended. */
  constructor(marginMs: number) {
    super(
      marginMs > 0
        ? `The handler was still running ${marginMs} ms before the invocation's deadline; the claim stays INPROGRESS until its in-progress expiry.`
        : 'The invocation ended while the handler may still run; the claim stays INPROGRESS until its in-progress expiry.',
    );
  }
}

/** A problem reported through the `onWarning` hook instead of being thrown. */
export type IdempotencyWarning = LeaseLostError | ResultNotPersistedError | MissingIdempotencyKeyError | StoreError;
