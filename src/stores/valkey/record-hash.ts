import type { IdempotencyRecord, StoredResult } from '../../engine/record.js';
import { CorruptRecordError } from '../../errors.js';
import { defaultAttributeNames, type Item, itemToRecord } from '../dynamodb-item.js';
import type { ValkeyArgument, ValkeyReply } from './connection.js';

/**
 * How a result is kept in the hash: its kind in `result_type`, its payload in `result` as bytes
 * (text as UTF-8, compressed bytes as they are, an error marker as JSON, `undefined` as nothing).
 */
export type ResultType = StoredResult['kind'];

/** The `result_type` and, when there is one, the `result` payload, as script arguments. */
export function resultArguments(result: StoredResult): ValkeyArgument[] {
  switch (result.kind) {
    case 'text':
      return ['text', result.text];
    case 'compressed':
      return ['compressed', result.bytes];
    case 'undefined':
      return ['undefined'];
    case 'error':
      return ['error', JSON.stringify({ error: result.name, message: result.message })];
  }
}

const NUMERIC_FIELDS = new Set(['expiration', 'in_progress_expiration']);
const TEXT_FIELDS = new Set(['status', 'lease', 'fingerprint']);

/**
 * Reads an HGETALL reply into a record. The hash is turned into the DynamoDB item shape so one
 * reader (dynamodb-item.ts) decides what a well-formed record is, for both stores.
 */
export function hashToRecord(reply: ValkeyReply, id: string): IdempotencyRecord | undefined {
  if (!Array.isArray(reply)) throw new CorruptRecordError(id, 'the server did not return a hash for it');
  if (reply.length === 0) return undefined;
  const fields = new Map<string, Uint8Array | string>();
  for (let index = 0; index + 1 < reply.length; index += 2) {
    const value = reply[index + 1];
    if (typeof value === 'string' || value instanceof Uint8Array) fields.set(text(reply[index]), value);
  }
  const item: Item = {};
  for (const [name, value] of fields) {
    if (NUMERIC_FIELDS.has(name)) item[name] = decimal(text(value));
    else if (TEXT_FIELDS.has(name)) item[name] = text(value);
  }
  const type = fields.get('result_type');
  if (type !== undefined) item.result = resultItem(id, text(type), fields.get('result'));
  return itemToRecord(item, id, defaultAttributeNames);
}

function resultItem(id: string, type: string, payload: Uint8Array | string | undefined): unknown {
  if (type === 'undefined') return null;
  if (payload === undefined) throw new CorruptRecordError(id, `its result_type is "${type}" but it has no result field`);
  switch (type) {
    case 'text':
      return text(payload);
    case 'compressed':
      // A copy: the reply's Buffer may be a view into a pooled allocation.
      return typeof payload === 'string' ? new Uint8Array(Buffer.from(payload, 'latin1')) : new Uint8Array(payload);
    case 'error':
      try {
        return JSON.parse(text(payload)) as unknown;
      } catch (cause) {
        throw new CorruptRecordError(id, 'its error marker is not JSON', { cause });
      }
    default:
      throw new CorruptRecordError(id, `its result_type "${type}" is not one this library writes`);
  }
}

function text(value: ValkeyReply | undefined): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return String(value);
}

/** A decimal integer as a number; anything else stays text, which the shared reader refuses. */
function decimal(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
