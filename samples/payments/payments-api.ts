import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpIdempotency } from 'lambda-idempotency';
import type { IdempotencyStore } from 'lambda-idempotency/engine';
import { createPaymentHandler } from './create-payment.js';
import type { PaymentsTable } from './payments-table.js';

/** How long a client may retry a payment with the same key and get the first response back. */
export const PAYMENT_RETRY_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * `POST /payments` with Idempotency-Key semantics: the payment is created once per key (and
 * caller), every retry replays the first response, a key reused for another body gets a 422.
 */
export function createPaymentsApi(dependencies: { readonly store: IdempotencyStore; readonly payments: PaymentsTable }) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(createPaymentHandler(dependencies.payments)).use(
    httpIdempotency({ store: dependencies.store, ttlSeconds: PAYMENT_RETRY_WINDOW_SECONDS }),
  );
}
