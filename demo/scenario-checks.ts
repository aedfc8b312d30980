import { balanceDirection, type OrderEvent } from '../samples/orders/order-event.js';
import type { BatchStepReport, Check, HttpStepReport } from './scenario.js';

/**
 * The checks `npm start` ends with. They compare what the handlers did (their writes, recorded on
 * the DynamoDB client) and what the tables hold with a model of exactly-once delivery, so a
 * duplicate execution anywhere fails one of them.
 */

export function paymentChecks(
  steps: readonly HttpStepReport[],
  writtenPaymentIds: readonly string[],
  storedPayments: readonly Record<string, unknown>[],
  responses: {
    readonly firstBodies: ReadonlyMap<string, string | undefined>;
    readonly replayedBodies: readonly { key: string; body: string | undefined }[];
  },
): Check[] {
  const writesPerPayment = new Map<string, number>();
  for (const id of writtenPaymentIds) writesPerPayment.set(id, (writesPerPayment.get(id) ?? 0) + 1);
  const keys = responses.firstBodies.size;
  const calls = steps.reduce((sum, step) => sum + step.calls, 0);
  return [
    {
      description: `${calls} calls with ${keys} idempotency keys ran the payment handler ${writtenPaymentIds.length} times, once per key`,
      passed: keys === 2 && writtenPaymentIds.length === keys && [...writesPerPayment.values()].every((count) => count === 1),
    },
    {
      description: `every one of the ${responses.replayedBodies.length} replays returned the body of its key's first response`,
      passed:
        responses.replayedBodies.length > 0 &&
        responses.replayedBodies.every(({ key, body }) => body !== undefined && body === responses.firstBodies.get(key)),
    },
    {
      description: `the payments table holds one payment per key (${storedPayments.length})`,
      passed: storedPayments.length === keys,
    },
    {
      description: 'the key reused for another body was refused with 422 and ran nothing',
      passed: steps.some((step) => step.statuses.get(422) === step.calls && step.executions === 0),
    },
  ];
}

/** A message as the ledger model sees it: the idempotency key it is claimed by, and its event if well-formed. */
export interface LedgerDelivery {
  readonly key: string | undefined;
  readonly event: OrderEvent | undefined;
}

export function ledgerDelivery(parse: () => OrderEvent, keyOf: (event: OrderEvent) => string): LedgerDelivery {
  try {
    const event = parse();
    return { key: keyOf(event), event };
  } catch {
    return { key: undefined, event: undefined };
  }
}

export function ledgerChecks(
  steps: readonly BatchStepReport[],
  deliveries: readonly LedgerDelivery[],
  ledgerWrites: readonly { input: Readonly<Record<string, unknown>> }[],
  ledger: readonly Record<string, unknown>[],
): Check[] {
  // The model: the first well-formed copy of each key counts, every later copy is ignored.
  const expected = new Map<string, number>();
  const applied = new Set<string>();
  for (const { key, event } of deliveries) {
    if (key === undefined || event === undefined || applied.has(key)) continue;
    applied.add(key);
    expected.set(event.customerId, (expected.get(event.customerId) ?? 0) + balanceDirection[event.type] * event.amount);
  }
  const writesPerEvent = new Map<string, number>();
  for (const write of ledgerWrites) {
    const eventId = String((write.input.ExpressionAttributeValues as Record<string, unknown>)[':eventId']);
    writesPerEvent.set(eventId, (writesPerEvent.get(eventId) ?? 0) + 1);
  }
  const actual = new Map(ledger.map((entry) => [String(entry.customerId), Number(entry.balance)]));
  const accounted = steps.every((step) => step.records === step.executions + step.duplicates + step.failures.length);
  return [
    {
      description: `${deliveries.length} SQS records and EventBridge deliveries with ${applied.size} distinct events made ${ledgerWrites.length} ledger writes, one per event`,
      passed: ledgerWrites.length === applied.size && [...writesPerEvent.values()].every((count) => count === 1),
    },
    {
      description: 'every SQS record was applied, skipped as a duplicate or reported in batchItemFailures',
      passed: accounted,
    },
    {
      description: `ledger balances equal the sum of each distinct event once (${[...expected].map(([customer, balance]) => `${customer}: ${balance}`).join(', ')})`,
      passed: actual.size === expected.size && [...expected].every(([customer, balance]) => actual.get(customer) === balance),
    },
  ];
}
