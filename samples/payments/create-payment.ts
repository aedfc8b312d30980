import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bodyText, json, problem } from '../shared/http.js';
import { ValidationError } from '../shared/validation.js';
import { paymentIdFor } from './payment-id.js';
import { parsePaymentRequest } from './payment-request.js';
import type { Payment, PaymentsTable } from './payments-table.js';

/**
 * `POST /payments` without any idempotency of its own beyond its write: validates the request,
 * writes the payment once per key, answers 201 with the payment.
 */
export function createPaymentHandler(
  payments: PaymentsTable,
  now: () => Date = () => new Date(),
): (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const paymentId = paymentIdFor(event);
    if (paymentId === undefined) {
      return problem(
        400,
        'Missing Idempotency-Key',
        'POST /payments needs one Idempotency-Key header of 1-255 visible ASCII characters.',
      );
    }
    let request: ReturnType<typeof parsePaymentRequest>;
    try {
      request = parsePaymentRequest(bodyText(event));
    } catch (error) {
      if (error instanceof ValidationError) return problem(400, 'Invalid payment', error.message);
      throw error;
    }
    const wanted: Payment = { paymentId, status: 'succeeded', createdAt: now().toISOString(), ...request };
    const { payment } = await payments.createOnce(wanted);
    if (!samePayment(payment, wanted)) {
      // Only reachable after the idempotency window: the key was reused for another payment.
      return problem(409, 'Idempotency-Key already used', `Payment ${paymentId} was created with this key for another request.`);
    }
    return json(201, payment, { location: `/payments/${paymentId}` });
  };
}

function samePayment(a: Payment, b: Payment): boolean {
  return a.amount === b.amount && a.currency === b.currency && a.customerId === b.customerId && a.description === b.description;
}
