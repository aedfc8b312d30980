import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpCallerOf, idempotencyKeyOf } from 'lambda-idempotency';

/**
 * The payment id a caller's idempotency key stands for: the same caller and key always name the
 * same payment, so even a second run of the handler cannot create a second one. The key and the
 * caller are read exactly as `httpIdempotency` reads them; undefined without a usable key.
 */
export function paymentIdFor(event: APIGatewayProxyEventV2): string | undefined {
  const key = idempotencyKeyOf(event);
  if (key === undefined) return undefined;
  const caller = JSON.stringify(httpCallerOf(event) ?? 'anonymous');
  return `pay_${createHash('sha256').update(`${caller}\n${key}`).digest('base64url').slice(0, 24)}`;
}
