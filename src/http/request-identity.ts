import { type CallerIdentity, callerOf } from './caller.js';
import { describeHttpRequest, type HttpEvent } from './http-event.js';
import { IDEMPOTENCY_KEY_HEADER, readIdempotencyKey } from './idempotency-key-header.js';

/**
 * The `Idempotency-Key` an HTTP event carries, read exactly as {@link httpIdempotency} reads it
 * (quoted or bare, one key, 1 to `maxKeyLength` visible ASCII characters, 255 by default);
 * undefined when missing or malformed. Pass the middleware's `maxKeyLength` when you changed it.
 * For handlers that derive their own ids from it, e.g. a payment id that a second run cannot duplicate.
 */
export function idempotencyKeyOf(event: HttpEvent, options?: { readonly maxKeyLength?: number }): string | undefined {
  const request = describeHttpRequest(event);
  const reading = readIdempotencyKey(request?.headers.get(IDEMPOTENCY_KEY_HEADER), options?.maxKeyLength);
  return reading.kind === 'present' ? reading.key : undefined;
}

/**
 * The caller the event source vouches for, as {@link httpIdempotency} scopes records; undefined when
 * anonymous. Pass the middleware's `authorizerContextKeys`, if it sets them, to read the same caller.
 */
export function httpCallerOf(
  event: HttpEvent,
  options?: { readonly authorizerContextKeys?: readonly string[] },
): CallerIdentity | undefined {
  const request = describeHttpRequest(event);
  return request === undefined ? undefined : callerOf(event, request.shape, request.headers, options?.authorizerContextKeys);
}
