import type { SQSRecord } from 'aws-lambda';
import type { EventSource } from './event-source.js';
import { itemIdentifierResponse } from './partial-response.js';

const messageIdOf = (record: unknown) => (record as SQSRecord).messageId;

/** A standard queue, through an event source mapping or a pipe: the records are alike. */
export const sqs: EventSource = {
  kind: 'sqs',
  itemIdentifier: messageIdOf,
  // Two queues can feed one function: the queue ARN keeps their message ids apart.
  defaultKey: (record) => [(record as SQSRecord).eventSourceARN ?? '', (record as SQSRecord).messageId],
  defaultGroup: () => undefined,
  encodedPaths: [],
  partialResponse: itemIdentifierResponse(messageIdOf),
  reportsByDefault: true,
};

/**
 * A FIFO producer's retry carries the same deduplication id under a new message id; SQS only
 * drops it within its 5-minute window, the idempotency table for the whole `ttlSeconds`.
 * A queue may deduplicate per message group (high-throughput FIFO) and the record cannot tell, so
 * the default key is the narrower scope: queue ARN, message group and deduplication id. A queue
 * deduplicating queue-wide wants `key: (record) => [record.eventSourceARN, record.attributes.MessageDeduplicationId]`.
 */
export const sqsFifo: EventSource = {
  ...sqs,
  kind: 'sqs-fifo',
  defaultKey: (record) => {
    const { attributes, eventSourceARN, messageId } = record as SQSRecord;
    return [eventSourceARN ?? '', attributes?.MessageGroupId ?? '', attributes?.MessageDeduplicationId || messageId];
  },
  defaultGroup: (record) => (record as SQSRecord).attributes?.MessageGroupId,
};

/** Standard or FIFO, told by the queue: one FIFO record makes the batch FIFO. */
export function sqsSourceOf(records: readonly unknown[]): EventSource {
  return records.some((record) => isFifoRecord(record as SQSRecord)) ? sqsFifo : sqs;
}

function isFifoRecord(record: SQSRecord): boolean {
  return (record.eventSourceARN ?? '').endsWith('.fifo') || record.attributes?.MessageGroupId !== undefined;
}
