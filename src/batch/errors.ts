import { IdempotencyError } from '../errors.js';

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
    options?: ErrorOptions,
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
