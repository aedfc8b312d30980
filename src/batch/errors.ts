import { IdempotencyError, type IdempotencyErrorOptions } from '../errors.js';

/**
 * A record cannot be read the way the key or payload selector asks (a body that is not JSON under
 * a JSON path, a selector that threw). The record is reported in `batchItemFailures`; the others
 * are processed.
 */
export class MalformedRecordError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'MalformedRecordError';

  constructor(
    /** The record's `itemIdentifier` (SQS message id, stream sequence number). */
    readonly itemIdentifier: string,
    problem: string,
    options?: IdempotencyErrorOptions,
  ) {
    super(`Record "${itemIdentifier}" is malformed: ${problem}.`, options);
  }
}

/**
 * The record was not run because an earlier record it depends on failed in this batch: a record
 * of the same ordering group (FIFO message group, stream partition key), or an earlier copy of the
 * same message. It is reported in `batchItemFailures` so it is delivered again, in order.
 */
export class RecordNotProcessedError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'RecordNotProcessedError';

  constructor(
    /** The record's `itemIdentifier` (SQS message id, stream sequence number). */
    readonly itemIdentifier: string,
    /** The `itemIdentifier` of the failed record this one waited on. */
    readonly blockedBy: string,
    reason: 'ordering' | 'duplicate',
  ) {
    super(
      reason === 'ordering'
        ? `Record "${itemIdentifier}" was not processed: record "${blockedBy}" of the same ordering group failed before it.`
        : `Record "${itemIdentifier}" was not processed: it carries the same idempotency key as record "${blockedBy}", which failed in this batch.`,
    );
  }
}

/** One record of a {@link BatchFailedError}: which, and why. */
export interface BatchRecordFailure {
  /** The record's `itemIdentifier` (message id, sequence number, `<topic>-<partition>@<offset>`...). */
  readonly itemIdentifier: string;
  /** Why it failed: the handler's error, or this library's typed error. */
  readonly error: unknown;
}

/**
 * Records of a batch failed, and the batch cannot report them one by one: its source takes no
 * partial batch response (Amazon MQ, DocumentDB, S3, SNS), or `reportBatchItemFailures` is false
 * (the default for Kafka). The invocation fails with this error once every other record has run,
 * so Lambda delivers the batch again and the records that completed are skipped as duplicates.
 * `cause` is the first record's error.
 */
export class BatchFailedError extends IdempotencyError {
  /** The error's stable name, the same in every build (minified or not). */
  override name = 'BatchFailedError';

  constructor(
    /** Why the failures cannot be reported as a partial batch response. */
    reason: string,
    /** The failed records, in batch order. */
    readonly failures: readonly BatchRecordFailure[] = [],
  ) {
    const first = failures[0];
    const firstText =
      first === undefined
        ? ''
        : ` First: record "${first.itemIdentifier}", ${first.error instanceof Error ? `${first.error.name}: ${first.error.message}` : String(first.error)}.`;
    super(
      `${failures.length} record${failures.length === 1 ? '' : 's'} of the batch failed and ${reason}: the invocation fails, so the batch is delivered again.${firstText}`,
      first === undefined ? undefined : { cause: first.error },
    );
  }
}
