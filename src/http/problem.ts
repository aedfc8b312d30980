import { InProgressError, isStoreUnavailable, PayloadMismatchError } from '../errors.js';
import type { ParsedHttpRequest } from './http-event.js';

/**
 * The `type` URIs of the problem responses (RFC 9457 `application/problem+json`). They are URNs:
 * stable identifiers to branch on, not pages to fetch.
 */
export const HttpProblemType = {
  /** 400: a POST or PATCH arrived without an `Idempotency-Key` header. */
  keyMissing: 'urn:lambda-idempotency:problem:idempotency-key-missing',
  /** 400: the header is not one key of 1 to `maxKeyLength` (default 255) visible ASCII characters. */
  keyMalformed: 'urn:lambda-idempotency:problem:idempotency-key-malformed',
  /** 409: the first request with this key is still being processed; retry after `Retry-After` seconds. */
  inProgress: 'urn:lambda-idempotency:problem:request-in-progress',
  /** 422: the key was already used for a different request (method, path, query or body). */
  keyReused: 'urn:lambda-idempotency:problem:idempotency-key-reused',
  /**
   * 503: the idempotency store is unavailable and `whenStoreUnavailable` is `'fail-closed'` (the
   * default): nothing ran, nothing was written; retry after `Retry-After` seconds.
   */
  storeUnavailable: 'urn:lambda-idempotency:problem:store-unavailable',
} as const;

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  409: 'Conflict',
  422: 'Unprocessable Content',
  503: 'Service Unavailable',
};

/** A response in the layout the event source expects (ALB wants a status description and, in multi-value mode, multi-value headers). */
export function problemResponse(request: ParsedHttpRequest, problem: Problem): Record<string, unknown> {
  const headers = { 'Content-Type': 'application/problem+json', ...problem.headers };
  const body = JSON.stringify({
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.path,
  });
  const response: Record<string, unknown> = { statusCode: problem.status, body, isBase64Encoded: false };
  if (request.shape === 'alb') response.statusDescription = `${problem.status} ${REASON_PHRASES[problem.status] ?? ''}`.trim();
  if (request.multiValueHeaders) {
    response.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  } else {
    response.headers = headers;
  }
  return response;
}

/** The client-facing answer to the engine refusing a request, or undefined for a real failure. */
export function refusalProblem(error: unknown, retryAfterSeconds: number): Problem | undefined {
  if (error instanceof PayloadMismatchError) {
    return {
      type: HttpProblemType.keyReused,
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    };
  }
  if (error instanceof InProgressError) {
    return {
      type: HttpProblemType.inProgress,
      title: 'Request in progress',
      status: 409,
      detail: 'A request with this Idempotency-Key is still being processed; retry it later to receive its response.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    };
  }
  if (isStoreUnavailable(error)) {
    // While the circuit is open, a retry sooner than its probe would meet the same refusal.
    const untilProbe = error.retryAfterMs === undefined ? 0 : Math.ceil(error.retryAfterMs / 1000);
    return {
      type: HttpProblemType.storeUnavailable,
      title: 'Idempotency store unavailable',
      status: 503,
      detail: 'The request was not processed: its Idempotency-Key cannot be checked right now. Retry it with the same key.',
      headers: { 'Retry-After': String(Math.max(retryAfterSeconds, untilProbe)) },
    };
  }
  return undefined;
}
