import type { HttpRequestView } from './http-event.js';

/** The header Stripe and the IETF draft's implementations send on a replayed response. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

type StructuredResponse = {
  statusCode: number | string;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown>;
};

/** API Gateway and ALB accept the status code as a number or as its decimal digits (`'500'`). */
const STATUS_DIGITS = /^\d{3}$/;

/** The status code a response field spells, or undefined when it is neither a number nor three digits. */
export function statusCodeValue(field: unknown): number | undefined {
  if (typeof field === 'number') return Number.isInteger(field) ? field : undefined;
  if (typeof field === 'string' && STATUS_DIGITS.test(field)) return Number(field);
  return undefined;
}

function isStructured(response: unknown): response is StructuredResponse {
  return (
    response !== null &&
    typeof response === 'object' &&
    statusCodeValue((response as { statusCode?: unknown }).statusCode) !== undefined
  );
}

/**
 * The status code the client received. HTTP APIs and Function URLs turn a plain return value
 * into a 200 JSON response; the other sources reject it, so it is a success wherever it can occur.
 */
export function statusOf(response: unknown): number {
  return isStructured(response) ? (statusCodeValue(response.statusCode) ?? 200) : 200;
}

/**
 * The stored response plus `Idempotent-Replayed: true`, in the layout it was stored in. A plain
 * HTTP API return value is spelled out as the 200 JSON response API Gateway would have built from it.
 */
export function markReplayed(response: unknown, request: HttpRequestView): unknown {
  if (isStructured(response)) {
    if (response.multiValueHeaders !== undefined && response.multiValueHeaders !== null) {
      return { ...response, multiValueHeaders: { ...response.multiValueHeaders, [REPLAYED_HEADER]: ['true'] } };
    }
    return { ...response, headers: { ...response.headers, [REPLAYED_HEADER]: 'true' } };
  }
  if (request.shape !== 'http') return response;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', [REPLAYED_HEADER]: 'true' },
    // Lambda hands API Gateway the JSON of the return value, and that JSON becomes the body.
    body: JSON.stringify(response ?? null),
    isBase64Encoded: false,
  };
}
