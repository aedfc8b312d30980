import { hashMaterial, sha256 } from '../engine/hash.js';
import { parseJsonLossless } from '../engine/lossless-json.js';
import type { ParsedHttpRequest } from './http-event.js';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * What must match for a request to count as a retry of the one that used its key first: path,
 * query, body and the chosen headers (the method and route are already part of the record's scope).
 * A JSON body counts by its parsed value, so a client that re-serializes it with other spacing or
 * key order is still retrying; any other body counts by its decoded bytes. Numbers count by their
 * exact value (`1.0` is `1`, `9007199254740993` is not `9007199254740992`).
 */
export function fingerprintMaterial(request: ParsedHttpRequest, headerNames: readonly string[]): Record<string, unknown> {
  return {
    path: request.path,
    query: [...request.query].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    body: bodyMaterial(request),
    headers: Object.fromEntries(headerNames.map((name) => [name, request.headers.get(name) ?? null])),
  };
}

function bodyMaterial(request: ParsedHttpRequest): unknown {
  const { body } = request;
  // A body parser ran first: the value it parsed fingerprints as the same JSON text would.
  if (request.parsedBody !== undefined) return { json: hashMaterial(request.parsedBody) };
  if (body === undefined || body.length === 0) return null;
  if (JSON_MEDIA_TYPE.test(request.headers.get('content-type')?.[0] ?? '')) {
    try {
      return { json: hashMaterial(parseJsonLossless(body.toString('utf8'))) };
    } catch {
      // Not JSON after all: the bytes decide.
    }
  }
  return { sha256: sha256(body, 'base64url') };
}
