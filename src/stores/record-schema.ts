import type { IdempotencyRecord, StoredResult } from '../engine/record.js';
import { CorruptRecordError } from '../errors.js';

/** The attribute names of a record; every one can be renamed to fit an existing table. */
export interface DynamoDBAttributeNames {
  /** Partition key. Default `id`. */
  readonly partitionKey: string;
  /** Default `status`. */
  readonly status: string;
  /** Epoch seconds; make it the table's TTL attribute. Default `expiration`. */
  readonly expiration: string;
  /** Epoch milliseconds. Default `in_progress_expiration`. */
  readonly inProgressExpiration: string;
  /** Default `lease`. */
  readonly lease: string;
  /** Default `fingerprint`. */
  readonly fingerprint: string;
  /** Default `result`. */
  readonly result: string;
}

export const defaultAttributeNames: DynamoDBAttributeNames = {
  partitionKey: 'id',
  status: 'status',
  expiration: 'expiration',
  inProgressExpiration: 'in_progress_expiration',
  lease: 'lease',
  fingerprint: 'fingerprint',
  result: 'result',
};

export type Item = Record<string, unknown>;

/** Where a record id goes: the partition key, or (single-table designs) a sort key under one shared partition value. */
export interface RecordKeyLayout {
  readonly partitionKey: string;
  readonly sortKey?: { readonly attribute: string; readonly partitionValue: string };
}

/** The primary key of the item holding record `id`: the one definition the store and the CLI share. */
export function recordKey(id: string, layout: RecordKeyLayout): Item {
  if (layout.sortKey === undefined) return { [layout.partitionKey]: id };
  return { [layout.partitionKey]: layout.sortKey.partitionValue, [layout.sortKey.attribute]: id };
}

/**
 * Each kind of result keeps its own DynamoDB type, so no extra attribute is needed to tell them
 * apart: text is S, compressed bytes are B, `undefined` is NULL, an error marker is an M.
 */
export function resultToAttribute(result: StoredResult): unknown {
  switch (result.kind) {
    case 'text':
      return result.text;
    case 'compressed':
      return result.bytes;
    case 'undefined':
      return null;
    case 'error':
      return { error: result.name, message: result.message };
  }
}

function attributeToResult(id: string, value: unknown): StoredResult | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { kind: 'undefined' };
  if (typeof value === 'string') return { kind: 'text', text: value };
  if (value instanceof Uint8Array) return { kind: 'compressed', bytes: value };
  const marker = value as { error?: unknown; message?: unknown };
  if (typeof value === 'object' && typeof marker.error === 'string' && typeof marker.message === 'string') {
    return { kind: 'error', name: marker.error, message: marker.message };
  }
  throw new CorruptRecordError(id, 'its result attribute has a type this library does not write');
}

/** Reads an item into a record, refusing any shape this library would not have written. */
export function itemToRecord(item: Item, id: string, names: DynamoDBAttributeNames): IdempotencyRecord {
  const status = item[names.status];
  if (status !== 'INPROGRESS' && status !== 'COMPLETED') {
    throw new CorruptRecordError(id, `its ${names.status} attribute is ${JSON.stringify(status)}, not INPROGRESS or COMPLETED`);
  }
  const expiresAt = item[names.expiration];
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
    throw new CorruptRecordError(id, `its ${names.expiration} attribute is not a number of epoch seconds`);
  }
  const inProgressUntil = optional(item, names.inProgressExpiration, 'number', id);
  const lease = optional(item, names.lease, 'string', id);
  const fingerprint = optional(item, names.fingerprint, 'string', id);
  const result = attributeToResult(id, item[names.result]);
  if (status === 'COMPLETED' && result === undefined) {
    throw new CorruptRecordError(id, `it is COMPLETED but has no ${names.result} attribute`);
  }
  return { id, status, expiresAt, inProgressUntil, lease, fingerprint, result };
}

function optional<T extends 'number' | 'string'>(
  item: Item,
  name: string,
  type: T,
  id: string,
): (T extends 'number' ? number : string) | undefined {
  const value = item[name];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw new CorruptRecordError(id, `its ${name} attribute is not a ${type}`);
  return value as T extends 'number' ? number : string;
}
