import { parseStatusCode, statusCodeOf } from '../engine/http-status.js';
import type { ParsedHttpRequest } from './http-event.js';

/** The header Stripe and the IETF draft's implementations send on a replayed response. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

type StructuredResponse = {
  statusCode: number | string;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown>;
};

function isStructured(response: unknown): response is StructuredResponse {
  return statusCodeOf(response) !== undefined;
}

/**
 * The status code the client received. HTTP APIs and Function URLs turn a plain return value
 * into a 200 JSON response; the other sources reject it, so it is a success wherever it can occur.
 */
export function statusSentToClient(response: unknown): number {
  return isStructured(response) ? (parseStatusCode(response.statusCode) ?? 200) : 200;
}

/**
 * The stored response plus `Idempotent-Replayed: true`, in the layout it was stored in. A plain
 * HTTP API return value is spelled out as the 200 JSON response API Gateway would have built from it.
 */
export function markReplayed(response: unknown, request: ParsedHttpRequest): unknown {
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
