import type { SQSRecord } from 'aws-lambda';
import { type DynamoDBStore, type IdempotentBatchOptions, idempotentBatch } from 'lambda-idempotency';
import type { LedgerTable } from './ledger-table.js';
import { parseOrderEvent } from './order-event.js';

/**
 * How long an event id is remembered. It must outlast every way a copy can arrive: SQS
 * redeliveries (up to five receives here, a minute apart) and the producer's own retries.
 */
export const ORDER_EVENT_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * The SQS consumer: applies each order event to the ledger exactly once. Records are keyed by the
 * producer's `eventId`, so an SQS redelivery and a producer re-sending the event are both
 * duplicates; the whole body must match, so an event id reused for other content is refused. A
 * record that fails (a malformed event, a mismatch) is reported in `batchItemFailures`: SQS retries
 * only it, and moves it to the dead-letter queue after five receives.
 */
export function createOrdersConsumer(
  dependencies: { readonly store: DynamoDBStore; readonly ledger: LedgerTable },
  observers: Pick<IdempotentBatchOptions<SQSRecord>, 'logger' | 'onDuplicate' | 'onRecordFailure'> = {},
) {
  return idempotentBatch(async (record: SQSRecord) => dependencies.ledger.apply(parseOrderEvent(record.body)), {
    ...observers,
    store: dependencies.store,
    key: 'body.eventId',
    payload: 'body',
    ttlSeconds: ORDER_EVENT_WINDOW_SECONDS,
  });
}
