import type { DynamoDBRecord, EventBridgeEvent, KinesisStreamRecord, SQSRecord } from 'aws-lambda';
import { canonicalJson } from '../engine/canonical-json.js';
import { UnsupportedEventError } from '../errors.js';

/** Where a batch or event comes from; FIFO queues and streams keep order within a group. */
export type EventSourceKind = 'sqs' | 'sqs-fifo' | 'kinesis' | 'dynamodb' | 'eventbridge';

/** What the batch runner needs to know about the records of one event source. */
export interface EventSource {
  readonly kind: EventSourceKind;
  /** What Lambda expects in `batchItemFailures`: the SQS message id or the stream sequence number. */
  itemIdentifier(record: unknown): string;
  /** The key used when the `key` option is not given. */
  defaultKey(record: unknown): unknown;
  /** Records of one group keep their order; undefined means the record orders with nothing. */
  defaultGroup(record: unknown): string | undefined;
}

const sqs: EventSource = {
  kind: 'sqs',
  itemIdentifier: (record) => (record as SQSRecord).messageId,
  // Two queues can feed one function: the queue ARN keeps their message ids apart.
  defaultKey: (record) => [(record as SQSRecord).eventSourceARN ?? '', (record as SQSRecord).messageId],
  defaultGroup: () => undefined,
};

/**
 * A FIFO producer's retry carries the same deduplication id under a new message id; SQS only
 * drops it within its 5-minute window, the idempotency table for the whole `ttlSeconds`.
 * A queue may deduplicate per message group (high-throughput FIFO) and the record cannot tell, so
 * the default key is the narrower scope: queue ARN, message group and deduplication id. A queue
 * deduplicating queue-wide wants `key: (record) => [record.eventSourceARN, record.attributes.MessageDeduplicationId]`.
 */
const sqsFifo: EventSource = {
  kind: 'sqs-fifo',
  itemIdentifier: sqs.itemIdentifier,
  defaultKey: (record) => {
    const { attributes, eventSourceARN, messageId } = record as SQSRecord;
    return [eventSourceARN ?? '', attributes?.MessageGroupId ?? '', attributes?.MessageDeduplicationId || messageId];
  },
  defaultGroup: (record) => (record as SQSRecord).attributes?.MessageGroupId,
};

/**
 * Kinesis orders records per partition key (a key's records share a shard, in order), and Lambda
 * retries a stream from the lowest reported sequence number, so a group is a partition key.
 * The stream ARN is part of the default key: sequence numbers are unique per stream only.
 */
const kinesis: EventSource = {
  kind: 'kinesis',
  itemIdentifier: (record) => (record as KinesisStreamRecord).kinesis?.sequenceNumber ?? '',
  defaultKey: (record) => {
    const { eventID, eventSourceARN } = record as KinesisStreamRecord;
    return eventID ? [eventSourceARN ?? '', eventID] : undefined;
  },
  defaultGroup: (record) => (record as KinesisStreamRecord).kinesis?.partitionKey,
};

/** DynamoDB Streams orders the changes of one item: a group is the item's primary key. */
const dynamodb: EventSource = {
  kind: 'dynamodb',
  itemIdentifier: (record) => (record as DynamoDBRecord).dynamodb?.SequenceNumber ?? '',
  // Two tables' streams can feed one function: the stream ARN keeps their event ids apart.
  defaultKey: (record) => {
    const { eventID, eventSourceARN } = record as DynamoDBRecord;
    return eventID ? [eventSourceARN ?? '', eventID] : undefined;
  },
  defaultGroup: (record) => {
    const keys = (record as DynamoDBRecord).dynamodb?.Keys;
    return keys === undefined ? undefined : canonicalJson(keys);
  },
};

const eventbridge: EventSource = {
  kind: 'eventbridge',
  itemIdentifier: (event) => (event as EventBridgeEvent<string, unknown>).id,
  defaultKey: (event) => (event as EventBridgeEvent<string, unknown>).id,
  defaultGroup: () => undefined,
};

const RECORD_SOURCES: Readonly<Record<string, EventSource>> = {
  'aws:sqs': sqs,
  'aws:kinesis': kinesis,
  'aws:dynamodb': dynamodb,
};

/** The records of a batch event, and where they come from. */
export type DetectedEvent =
  | { readonly source: EventSource; readonly records: readonly unknown[]; readonly single: false }
  | { readonly source: EventSource; readonly records: readonly [unknown]; readonly single: true };

/**
 * Tells an SQS (standard or FIFO), Kinesis or DynamoDB Streams batch, or an EventBridge event.
 * @throws {UnsupportedEventError} for anything else, or for a batch that mixes sources.
 */
export function detectEvent(event: unknown): DetectedEvent {
  if (event === null || typeof event !== 'object') {
    throw new UnsupportedEventError(`Expected an SQS, Kinesis, DynamoDB Streams or EventBridge event, got ${describe(event)}.`);
  }
  const { Records: records } = event as { Records?: unknown };
  if (Array.isArray(records)) return { source: batchSource(records), records, single: false };
  if (isEventBridgeEvent(event)) return { source: eventbridge, records: [event], single: true };
  throw new UnsupportedEventError(
    'Expected an SQS, Kinesis, DynamoDB Streams or EventBridge event: the event has neither a "Records" array nor the EventBridge fields "id", "source" and "detail-type".',
  );
}

function batchSource(records: readonly unknown[]): EventSource {
  let found: EventSource | undefined;
  let fifo = false;
  for (const [index, record] of records.entries()) {
    const name = (record as { eventSource?: unknown } | null)?.eventSource;
    const source = typeof name === 'string' ? RECORD_SOURCES[name] : undefined;
    if (source === undefined) {
      throw new UnsupportedEventError(
        `Record ${index} has eventSource ${JSON.stringify(name)}; supported are "aws:sqs", "aws:kinesis" and "aws:dynamodb".`,
      );
    }
    if (found !== undefined && found !== source) {
      throw new UnsupportedEventError(`Record ${index} comes from "${String(name)}", unlike the records before it.`);
    }
    found = source;
    if (source === sqs && isFifoRecord(record as SQSRecord)) fifo = true;
  }
  if (found === sqs && fifo) return sqsFifo;
  return found ?? sqs;
}

function isFifoRecord(record: SQSRecord): boolean {
  return (record.eventSourceARN ?? '').endsWith('.fifo') || record.attributes?.MessageGroupId !== undefined;
}

function isEventBridgeEvent(event: object): boolean {
  const candidate = event as Partial<EventBridgeEvent<string, unknown>>;
  return typeof candidate.id === 'string' && typeof candidate.source === 'string' && typeof candidate['detail-type'] === 'string';
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
