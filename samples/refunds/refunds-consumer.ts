import type { EventBridgeEvent } from 'aws-lambda';
import { type DynamoDBStore, type IdempotentBatchOptions, idempotentBatch } from 'lambda-idempotency';
import type { LedgerTable } from '../orders/ledger-table.js';
import { toOrderEvent } from '../orders/order-event.js';
import { ValidationError } from '../shared/validation.js';

/** What the support tool publishes on the default event bus when it refunds an order. */
export type RefundEvent = EventBridgeEvent<'OrderRefunded', unknown>;

/** EventBridge retries a target for up to 24 hours; an event id must be remembered at least that long. */
export const REFUND_EVENT_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * The EventBridge rule target: applies a refund to the ledger once per EventBridge event. EventBridge
 * delivers at least once, and Lambda retries a failed asynchronous invocation twice: each copy has
 * the same event `id`, the default key, so the refund moves the balance once and every copy gets
 * the first result. A copy whose `detail` differs is refused with `PayloadMismatchError`.
 */
export function createRefundsConsumer(
  dependencies: { readonly store: DynamoDBStore; readonly ledger: LedgerTable },
  observers: Pick<IdempotentBatchOptions<RefundEvent>, 'logger' | 'onDuplicate' | 'onRecordFailure'> = {},
) {
  return idempotentBatch(
    async (event: RefundEvent) => {
      const refund = toOrderEvent(event.detail, 'detail');
      if (refund.type !== 'OrderRefunded') {
        throw new ValidationError('detail.type', `must be OrderRefunded in an ${event['detail-type']} event, got ${refund.type}`);
      }
      return dependencies.ledger.apply(refund);
    },
    { ...observers, store: dependencies.store, payload: 'detail', ttlSeconds: REFUND_EVENT_WINDOW_SECONDS },
  );
}
