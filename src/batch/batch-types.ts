import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  EventBridgeEvent,
  KinesisStreamBatchResponse,
  KinesisStreamRecord,
  MSKEvent,
  MSKRecord,
  S3EventRecord,
  SelfManagedKafkaEvent,
  SelfManagedKafkaRecord,
  SNSEventRecord,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import type { ActiveMQEvent, ActiveMQMessage, RabbitMQEvent, RabbitMQMessage } from '../lambda/event-sources/amazon-mq.js';
import type { DocumentDBChangeRecord, DocumentDBChangeStreamEvent } from '../lambda/event-sources/documentdb.js';
import type { PipesKinesisRecord } from '../lambda/event-sources/kinesis.js';
import type { KafkaBatchResponse } from '../lambda/event-sources/partial-response.js';

/** A record (or, for EventBridge, the event) one call of the record handler receives. */
export type BatchRecord =
  | SQSRecord
  | KinesisStreamRecord
  | PipesKinesisRecord
  | DynamoDBRecord
  | EventBridgeEvent<string, unknown>
  | MSKRecord
  | SelfManagedKafkaRecord
  | S3EventRecord
  | SNSEventRecord
  | ActiveMQMessage
  | RabbitMQMessage
  | DocumentDBChangeRecord;

/** Processes one record. Its result is stored and handed to `onDuplicate` for later copies. */
export type RecordHandler<TRecord, R> = (record: TRecord, context: Context | undefined) => R | Promise<R>;

type IsEventBridge<TRecord> = [TRecord] extends [EventBridgeEvent<string, unknown>] ? true : false;

/** Records whose source takes no partial batch response: the Lambda handler resolves to nothing. */
type NoPartialResponseRecord = S3EventRecord | SNSEventRecord | ActiveMQMessage | RabbitMQMessage | DocumentDBChangeRecord;

/**
 * The Lambda event for records of this type: the event itself for EventBridge; `{ Records }`, or
 * a pipe's bare array for SQS and DynamoDB Streams records; an array of {@link PipesKinesisRecord}
 * from a pipe; the Kafka, Amazon MQ and DocumentDB events as Lambda delivers them.
 */
export type BatchEventOf<TRecord> =
  IsEventBridge<TRecord> extends true
    ? TRecord
    : [TRecord] extends [MSKRecord]
      ? MSKEvent | SelfManagedKafkaEvent
      : [TRecord] extends [ActiveMQMessage]
        ? ActiveMQEvent
        : [TRecord] extends [RabbitMQMessage]
          ? RabbitMQEvent
          : [TRecord] extends [DocumentDBChangeRecord]
            ? DocumentDBChangeStreamEvent
            : [TRecord] extends [PipesKinesisRecord]
              ? TRecord[]
              : [TRecord] extends [S3EventRecord | SNSEventRecord | KinesisStreamRecord]
                ? { Records: TRecord[] }
                : { Records: TRecord[] } | TRecord[];

/** What the Lambda handler resolves to for records of this type (EventBridge aside). */
export type BatchResponseOf<TRecord> = [TRecord] extends [MSKRecord]
  ? KafkaBatchResponse
  : [TRecord] extends [NoPartialResponseRecord]
    ? undefined
    : [TRecord] extends [SQSRecord]
      ? SQSBatchResponse
      : [TRecord] extends [KinesisStreamRecord | PipesKinesisRecord]
        ? KinesisStreamBatchResponse
        : DynamoDBBatchResponse;

/** The Lambda handler {@link idempotentBatch} returns. */
export type IdempotentBatchHandler<TRecord, R> = (
  event: BatchEventOf<TRecord>,
  context?: Context,
) => Promise<IsEventBridge<TRecord> extends true ? Awaited<R> : BatchResponseOf<TRecord>>;
