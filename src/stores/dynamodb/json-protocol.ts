import type { AttributeMap, AttributeValue } from './attribute-value.js';
import { DynamoDBServiceError } from './service-error.js';

/** The four requests the store makes. */
export type DynamoDBOperation = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** DynamoDB's JSON protocol: every request is a POST of JSON to `/`, the operation named in a header. */
export const CONTENT_TYPE = 'application/x-amz-json-1.0';
const TARGET_PREFIX = 'DynamoDB_20120810.';

export function targetOf(operation: DynamoDBOperation): string {
  return TARGET_PREFIX + operation;
}

/** The request body: the input as JSON, binary attribute values as base64. */
export function encodeInput(input: object): string {
  return JSON.stringify(input, function base64Bytes(this: Record<string, unknown>, key, value) {
    // `this[key]` is the value before Buffer's own toJSON ran.
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : value;
  });
}

/** What a response carries that the store reads. */
export interface DynamoDBOutput {
  readonly Item?: AttributeMap;
}

/** A 2xx answer's body, with binary attribute values back as bytes. */
export function decodeOutput(body: string): DynamoDBOutput {
  if (body === '') return {};
  const output = JSON.parse(body) as { Item?: unknown };
  return output.Item === undefined ? {} : { Item: reviveMap(output.Item) };
}

/**
 * An error answer as the AWS SDK reads it: the code from the `x-amzn-ErrorType` header, else the
 * body's `code` or `__type`, without its namespace (`...#ResourceNotFoundException`) or URL suffix.
 */
export function decodeError(
  statusCode: number,
  errorTypeHeader: string | undefined,
  requestId: string | undefined,
  body: string,
): DynamoDBServiceError {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = body === '' ? {} : JSON.parse(body);
    if (value !== null && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page): the status is all there is.
  }
  const rawCode = errorTypeHeader ?? stringOf(parsed.code) ?? stringOf(parsed.__type);
  const code = rawCode === undefined ? undefined : sanitizeErrorCode(rawCode);
  const name = code || (statusCode >= 500 ? 'InternalServerError' : 'UnknownError');
  const message = stringOf(parsed.message) ?? stringOf(parsed.Message) ?? `DynamoDB answered HTTP ${statusCode}`;
  const item = parsed.Item === undefined ? undefined : reviveMap(parsed.Item);
  return withoutStack(() => new DynamoDBServiceError(name, message, { statusCode, requestId, item }));
}

/**
 * Builds an error without capturing a stack: an answer is decoded in a response's 'end' handler,
 * whose stack says nothing of who sent the request (the store's StoreError says that), and a
 * duplicate's failed condition is an error on every call, where the capture was a visible cost.
 */
function withoutStack<E extends Error>(build: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function sanitizeErrorCode(raw: string): string {
  let code = raw;
  if (code.includes(':')) code = code.split(':')[0]!;
  if (code.includes('#')) code = code.split('#')[1]!;
  return code.trim();
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function reviveMap(value: unknown): AttributeMap {
  if (value === null || typeof value !== 'object') throw new TypeError('DynamoDB returned an item that is not a map.');
  const map: Record<string, AttributeValue> = {};
  for (const [name, attribute] of Object.entries(value)) map[name] = revive(attribute);
  return map;
}

/** The JSON protocol carries B and BS as base64; everything else is already in its final shape. */
function revive(attribute: unknown): AttributeValue {
  if (attribute === null || typeof attribute !== 'object')
    throw new TypeError('DynamoDB returned an attribute value that is not an object.');
  const typed = attribute as Record<string, unknown>;
  if (typeof typed.B === 'string') return { B: bytesOf(typed.B) };
  if (Array.isArray(typed.BS)) return { BS: typed.BS.map((entry) => bytesOf(String(entry))) };
  if (typed.M !== undefined) return { M: reviveMap(typed.M) };
  if (Array.isArray(typed.L)) return { L: typed.L.map(revive) };
  return typed as unknown as AttributeValue;
}

function bytesOf(base64: string): Uint8Array {
  const buffer = Buffer.from(base64, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
