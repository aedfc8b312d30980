import { isMissing } from '../../engine/selector.js';
import { MissingIdempotencyKeyError } from '../../errors.js';
import { activeMQBatch, isActiveMQEvent, isRabbitMQEvent, rabbitMQBatch } from './amazon-mq.js';
import { documentDBBatch, isDocumentDBEvent } from './documentdb.js';
import type { EventSource } from './event-source.js';
import { eventbridge, isEventBridgeEvent } from './eventbridge.js';
import { s3 } from './s3.js';
import { sns } from './sns.js';

/**
 * The key `idempotency()` and `makeIdempotent` use without a `key` option: for an event whose
 * source gives each delivery an identity that every retry of it keeps, that identity (see
 * docs/sources.md): an EventBridge event's `id`; for an S3 or SNS notification, an Amazon MQ or a
 * DocumentDB batch, the list of its records' default keys. Anything else is its own key, whole.
 * Queue, stream and Kafka batches are not recognized here: their retries regroup records, so only
 * `idempotentBatch`, which claims each record, makes them idempotent.
 * @throws {MissingIdempotencyKeyError} for such an event whose record lacks its identity (a
 * RabbitMQ message without `messageId`).
 */
export function deliveryKeyOrInput(input: unknown): unknown {
  return deliveryKeyOf(input) ?? input;
}

function deliveryKeyOf(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const { Records: records } = input as { Records?: unknown };
  if (Array.isArray(records)) {
    const source = notificationSource(records);
    return source === undefined ? undefined : keysOf(source, records);
  }
  const batch = isActiveMQEvent(input)
    ? activeMQBatch(input)
    : isRabbitMQEvent(input)
      ? rabbitMQBatch(input)
      : isDocumentDBEvent(input)
        ? documentDBBatch(input)
        : undefined;
  if (batch !== undefined) return keysOf(batch.source, batch.records);
  return isEventBridgeEvent(input) ? eventbridge.defaultKey(input, 0) : undefined;
}

/** S3 or SNS, when every record says so. */
function notificationSource(records: readonly unknown[]): EventSource | undefined {
  if (records.length === 0) return undefined;
  const sourceOf = (record: unknown) => {
    const { eventSource, EventSource: capitalized } = (record ?? {}) as { eventSource?: unknown; EventSource?: unknown };
    return eventSource ?? capitalized;
  };
  const name = sourceOf(records[0]);
  if (name !== 'aws:s3' && name !== 'aws:sns') return undefined;
  if (!records.every((record) => sourceOf(record) === name)) return undefined;
  return name === 'aws:s3' ? s3 : sns;
}

function keysOf(source: EventSource, records: readonly unknown[]): unknown[] | undefined {
  if (records.length === 0) return undefined;
  return records.map((record, index) => {
    const key = source.defaultKey(record, index);
    if (isMissing(key)) {
      throw new MissingIdempotencyKeyError(
        `Record ${index} of the ${source.kind} event lacks the fields its default key is made of (docs/sources.md); pass a \`key\` option.`,
      );
    }
    return key;
  });
}
