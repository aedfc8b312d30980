import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Who is calling, as far as the API knows: a JWT subject or an IAM principal. Two callers using the
 * same idempotency key must not share a payment.
 */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (
    event.requestContext as { authorizer?: { jwt?: { claims?: { sub?: unknown } }; iam?: { userArn?: unknown } } }
  ).authorizer;
  const subject = authorizer?.jwt?.claims?.sub ?? authorizer?.iam?.userArn;
  return typeof subject === 'string' ? subject : 'anonymous';
}

/**
 * The payment id a caller's idempotency key stands for: the same key always names the same payment.
 * The header may carry the key as a structured-field string (`"8e03978e"`) or bare (`8e03978e`),
 * one key either way, as `httpIdempotency` reads it.
 */
export function paymentIdFor(caller: string, idempotencyKeyHeader: string): string {
  const trimmed = idempotencyKeyHeader.trim();
  const key = /^"(.*)"$/.test(trimmed) ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1') : trimmed;
  return `pay_${createHash('sha256').update(`${caller}\n${key}`).digest('base64url').slice(0, 24)}`;
}
