import type { IdempotencyOptions } from '../engine/options.js';
import type { Selector } from '../engine/selector.js';
import { IdempotencyConfigError } from '../errors.js';

/** Options of {@link idempotentBatch}. The engine's options apply to every record's claim. */
export interface IdempotentBatchOptions<TRecord> extends Omit<IdempotencyOptions<TRecord>, 'key' | 'payload' | 'requireKey'> {
  /**
   * What identifies a record: a function of the record, or a dotted path such as `'body.orderId'`
   * (a JSON body is parsed; base64 fields are decoded first: Kinesis `kinesis.data` (a pipe's
   * `data`), Kafka `value` and `key`, Amazon MQ `data`, so `'value.orderId'` reads a Kafka record's
   * JSON value). Default: the source's delivery identity (docs/sources.md): SQS queue ARN and
   * `messageId` (FIFO: message group and `MessageDeduplicationId`), Kinesis and DynamoDB Streams
   * stream ARN and `eventID`, Kafka cluster, topic, partition and offset, S3 bucket, key, version
   * and sequencer, SNS topic and message id, ActiveMQ `messageID`, RabbitMQ `messageId`, DocumentDB
   * resume token, EventBridge `id`. A record without a key, or one the path cannot read, is
   * reported as failed; the others run.
   */
  readonly key?: Selector<TRecord>;
  /** The part of a record that must match on a replay (see `IdempotencyOptions.payload`). */
  readonly payload?: Selector<TRecord>;
  /**
   * How many records (or ordering groups) run at once. Default 1: records run one by one, as a
   * plain loop would. Raise it when the record handler is safe to run concurrently.
   */
  readonly concurrency?: number;
  /**
   * Which records keep their relative order: records of one group run one after the other, and
   * once one fails the later ones are reported failed without running. Default: the message group
   * of an SQS FIFO queue, the partition key of a Kinesis record, the item key of a DynamoDB Streams
   * record, the `"<topic>-<partition>"` of a Kafka record, the document of a DocumentDB change; no
   * order for a standard SQS queue, Amazon MQ, S3 or SNS. `false` runs every record independently;
   * a function returning one constant keeps the whole batch in order.
   */
  readonly groupBy?: false | ((record: TRecord) => string | undefined);
  /** Called for a record skipped as a duplicate, with the result stored by its first run. */
  readonly onDuplicate?: (record: TRecord, storedResult: unknown) => void;
  /** Called for every record reported in `batchItemFailures`, with why. */
  readonly onRecordFailure?: (record: TRecord, error: unknown) => void;
  /**
   * Whether the event source mapping reads a partial batch response (its `FunctionResponseTypes`
   * holds `ReportBatchItemFailures`). `true`: failed records are named in the response and only
   * they come back. `false`: a failure fails the invocation with `BatchFailedError` once the other
   * records ran, so the batch comes back and the records that completed are skipped as duplicates.
   * Default `true` for SQS, Kinesis, DynamoDB Streams and pipes; `false` for Kafka, where only
   * provisioned pollers read a partial response (on-demand pollers would commit the offsets of the
   * records it names). Amazon MQ, DocumentDB, S3 and SNS take none: a failure always fails the invocation.
   */
  readonly reportBatchItemFailures?: boolean;
}

/** Fails at setup, naming the option. The engine validates the options it shares. */
export function validateBatchOptions<TRecord>(handler: unknown, options: IdempotentBatchOptions<TRecord>): void {
  if (typeof handler !== 'function') throw new IdempotencyConfigError('idempotentBatch needs a record handler function.');
  if (options === null || typeof options !== 'object')
    throw new IdempotencyConfigError('idempotentBatch options must be an object.');
  const { concurrency, groupBy, onDuplicate, onRecordFailure, reportBatchItemFailures } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new IdempotencyConfigError(`Option "concurrency" must be a whole number of at least 1, got ${String(concurrency)}.`);
  }
  if (groupBy !== undefined && groupBy !== false && typeof groupBy !== 'function') {
    throw new IdempotencyConfigError('Option "groupBy" must be false or a function of the record.');
  }
  if (reportBatchItemFailures !== undefined && typeof reportBatchItemFailures !== 'boolean') {
    throw new IdempotencyConfigError(
      `Option "reportBatchItemFailures" must be true or false, got ${String(reportBatchItemFailures)}.`,
    );
  }
  for (const [name, hook] of Object.entries({ onDuplicate, onRecordFailure })) {
    if (hook !== undefined && typeof hook !== 'function')
      throw new IdempotencyConfigError(`Option "${name}" must be a function.`);
  }
}
