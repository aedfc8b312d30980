import { asAmount, asCurrency, asIdentifier, asObject, ValidationError } from '../shared/validation.js';

/** How an order event moves a customer's balance: a placed order is charged, a refund gives back. */
export const balanceDirection = { OrderPlaced: 1, OrderRefunded: -1 } as const;

export type OrderEventType = keyof typeof balanceDirection;

/** An order event as the order service publishes it to the queue. */
export interface OrderEvent {
  /** Unique per event: the producer's own id, the same on every copy of it. */
  readonly eventId: string;
  readonly type: OrderEventType;
  readonly orderId: string;
  readonly customerId: string;
  /** Minor units (cents). */
  readonly amount: number;
  readonly currency: string;
}

/** An order event from an SQS message body. */
export function parseOrderEvent(text: string): OrderEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'must be JSON');
  }
  return toOrderEvent(parsed, 'body');
}

/** An order event from parsed JSON (an SQS body, an EventBridge `detail`). */
export function toOrderEvent(value: unknown, field: string): OrderEvent {
  const body = asObject(value, field);
  if (typeof body.type !== 'string' || !Object.hasOwn(balanceDirection, body.type)) {
    throw new ValidationError('type', `must be one of ${Object.keys(balanceDirection).join(', ')}`);
  }
  return {
    eventId: asIdentifier(body.eventId, 'eventId'),
    type: body.type as OrderEventType,
    orderId: asIdentifier(body.orderId, 'orderId'),
    customerId: asIdentifier(body.customerId, 'customerId'),
    amount: asAmount(body.amount, 'amount'),
    currency: asCurrency(body.currency, 'currency'),
  };
}
