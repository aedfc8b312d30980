import { UnsupportedEventError } from '../../errors.js';
import { activeMQBatch, isActiveMQEvent, isRabbitMQEvent, rabbitMQBatch } from './amazon-mq.js';
import { documentDBBatch, isDocumentDBEvent } from './documentdb.js';
import { dynamodb } from './dynamodb.js';
import type { DetectedEvent, EventSource } from './event-source.js';
import { eventbridge, isEventBridgeEvent } from './eventbridge.js';
import { isKafkaEvent, kafkaBatch } from './kafka.js';
import { kinesis } from './kinesis.js';
import { pipesSourceOf } from './pipes.js';
import { s3 } from './s3.js';
import { sns } from './sns.js';
import { sqsSourceOf } from './sqs.js';

const SUPPORTED =
  'an SQS, Kinesis, DynamoDB Streams, Kafka (MSK or self-managed), Amazon MQ, DocumentDB, S3 or SNS event, an EventBridge event, or a pipe batch (an array of SQS, Kinesis or DynamoDB records)';

/** `Records` sources by each record's `eventSource` (SNS spells it `EventSource`). */
const RECORD_SOURCES: Readonly<Record<string, (records: readonly unknown[]) => EventSource>> = {
  'aws:sqs': sqsSourceOf,
  'aws:kinesis': () => kinesis,
  'aws:dynamodb': () => dynamodb,
  'aws:s3': () => s3,
  'aws:sns': () => sns,
};

/**
 * Tells where an event comes from and lists its records: a `{ Records }` batch or notification,
 * a Kafka, Amazon MQ or DocumentDB batch, a pipe's bare array, or a single EventBridge event.
 * @throws {UnsupportedEventError} for anything else, or for a batch that mixes sources.
 */
export function detectEvent(event: unknown): DetectedEvent {
  if (Array.isArray(event)) return { source: pipesSourceOf(event), records: event, single: false };
  if (event === null || typeof event !== 'object') {
    throw new UnsupportedEventError(`Expected ${SUPPORTED}, got ${event === null ? 'null' : typeof event}.`);
  }
  const { Records: records } = event as { Records?: unknown };
  if (Array.isArray(records)) return { source: recordsSource(records), records, single: false };
  const batch = otherBatch(event);
  if (batch !== undefined) return { ...batch, single: false };
  if (isEventBridgeEvent(event)) return { source: eventbridge, records: [event], single: true };
  throw new UnsupportedEventError(
    `Expected ${SUPPORTED}: the event has no "Records" array, no Kafka, Amazon MQ or DocumentDB "eventSource", and not the EventBridge fields "id", "source" and "detail-type".`,
  );
}

function otherBatch(event: object): { source: EventSource; records: readonly unknown[] } | undefined {
  if (isKafkaEvent(event)) return kafkaBatch(event);
  if (isActiveMQEvent(event)) return activeMQBatch(event);
  if (isRabbitMQEvent(event)) return rabbitMQBatch(event);
  if (isDocumentDBEvent(event)) return documentDBBatch(event);
  return undefined;
}

function recordsSource(records: readonly unknown[]): EventSource {
  let name: string | undefined;
  for (const [index, record] of records.entries()) {
    const found = eventSourceOf(record);
    if (found === undefined || RECORD_SOURCES[found] === undefined) {
      throw new UnsupportedEventError(
        `Record ${index} has eventSource ${JSON.stringify(found)}; supported are "aws:sqs", "aws:kinesis", "aws:dynamodb", "aws:s3" and "aws:sns".`,
      );
    }
    if (name !== undefined && found !== name) {
      throw new UnsupportedEventError(`Record ${index} comes from "${found}", unlike the records before it.`);
    }
    name = found;
  }
  return (RECORD_SOURCES[name ?? 'aws:sqs'] as (records: readonly unknown[]) => EventSource)(records);
}

function eventSourceOf(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const { eventSource, EventSource } = record as { eventSource?: unknown; EventSource?: unknown };
  const name = eventSource ?? EventSource;
  return typeof name === 'string' ? name : undefined;
}
