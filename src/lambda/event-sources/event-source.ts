import type { BatchResponse, KafkaBatchResponse } from './partial-response.js';

/**
 * Where a batch or event comes from. FIFO queues, streams, Kafka partitions and change streams keep
 * order within a group; a pipe delivers the records of its SQS, Kinesis or DynamoDB source.
 */
export type EventSourceKind =
  | 'sqs'
  | 'sqs-fifo'
  | 'kinesis'
  | 'dynamodb'
  | 'eventbridge'
  | 'msk'
  | 'self-managed-kafka'
  | 's3'
  | 'sns'
  | 'activemq'
  | 'rabbitmq'
  | 'documentdb';

/**
 * What the batch runner needs to know about the records of one event. A source may be built for
 * one event (Kafka's cluster, RabbitMQ's queue names live on the event, not on the record), so
 * every method also receives the record's position in the flattened batch.
 */
export interface EventSource {
  readonly kind: EventSourceKind;
  /** Names a record in logs and errors (and, for most sources, in `batchItemFailures`). */
  itemIdentifier(record: unknown, index: number): string;
  /**
   * The key used when the `key` option is not given; undefined when the record lacks it. May throw
   * `MissingIdempotencyKeyError` naming the field that is missing.
   */
  defaultKey(record: unknown, index: number): unknown;
  /** Records of one group keep their order; undefined means the record orders with nothing. */
  defaultGroup(record: unknown, index: number): string | undefined;
  /** Dotted paths whose string is base64-encoded JSON: a key path through them decodes it first. */
  readonly encodedPaths: readonly string[];
  /**
   * The partial batch response naming the failed records, in the source's own shape; absent for a
   * source that takes none (a failure then fails the invocation).
   */
  readonly partialResponse?: (records: readonly unknown[], failed: readonly number[]) => BatchResponse | KafkaBatchResponse;
  /**
   * Whether a partial response is sent unless `reportBatchItemFailures` says otherwise: true where
   * the event source mapping (or pipe) honours it in every mode.
   */
  readonly reportsByDefault: boolean;
}

/** The records of an event, and where they come from. */
export type DetectedEvent =
  | { readonly source: EventSource; readonly records: readonly unknown[]; readonly single: false }
  | { readonly source: EventSource; readonly records: readonly [unknown]; readonly single: true };

/** Reads a property of a record that may be anything: the event comes from outside. */
export function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}

/** A string property, or undefined for anything else. */
export function stringField(value: unknown, name: string): string | undefined {
  const found = field(value, name);
  return typeof found === 'string' ? found : undefined;
}
