import { asAmount, asCurrency, asIdentifier, asObject, ValidationError } from '../shared/validation.js';

/** What a client asks for in `POST /payments`. */
export interface PaymentRequest {
  /** Minor units (cents). */
  readonly amount: number;
  readonly currency: string;
  readonly customerId: string;
  readonly description?: string;
}

export function parsePaymentRequest(text: string): PaymentRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'must be JSON');
  }
  const body = asObject(parsed, 'body');
  const description = body.description;
  if (description !== undefined && (typeof description !== 'string' || description.length > 200)) {
    throw new ValidationError('description', 'must be a string of at most 200 characters');
  }
  return {
    amount: asAmount(body.amount, 'amount'),
    currency: asCurrency(body.currency, 'currency'),
    customerId: asIdentifier(body.customerId, 'customerId'),
    ...(description !== undefined && { description }),
  };
}
