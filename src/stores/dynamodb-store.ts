import { epochSeconds, type IdempotencyRecord } from '../engine/record.js';
import type {
  ClaimRequest,
  ClaimResult,
  CompleteRequest,
  CompressionPreference,
  IdempotencyStore,
  ReleaseRequest,
} from '../engine/store.js';
import { IdempotencyConfigError, ResultTooLargeError, StoreError } from '../errors.js';
import { type AttributeMap, fromAttributeMap, toAttributeMap } from './dynamodb/attribute-value.js';
import { isUnavailability } from './dynamodb/availability.js';
import { type DynamoDBStoreOptions, transportFor } from './dynamodb/store-options.js';
import type { DynamoDBTransport } from './dynamodb/transport.js';
import {
  type DynamoDBAttributeNames,
  defaultAttributeNames,
  type Item,
  itemToRecord,
  recordKey,
  resultToAttribute,
} from './record-schema.js';

export type { DynamoDBStoreOptions } from './dynamodb/store-options.js';

/**
 * DynamoDB bills a write unit per started KB of the whole item, and the other attributes of a record
 * take 150 to 250 bytes: compressing results from 512 bytes keeps a result of about 1 KB within one
 * unit, and a larger one within fewer, at a quality that favours size (see bench/RESULTS.md).
 */
const COMPRESSION: CompressionPreference = { aboveBytes: 512, favour: 'size' };
/** DynamoDB's item size limit. */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room left in an item for the key and the other attributes, beside the result. */
const RECORD_OVERHEAD_BYTES = 2 * 1024;
/** No record, an expired one, or an in-progress one whose claim has lapsed. */
const CLAIM_CONDITION = 'attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#status = :inProgress AND #ipe < :nowMillis)';

/**
 * Keeps idempotency records in a DynamoDB table with conditional writes. Per invocation: a first
 * call costs a PutItem and an UpdateItem; a duplicate costs one PutItem whose failed condition
 * returns the existing item (plus one consistent GetItem on endpoints that do not return it).
 */
export class DynamoDBStore implements IdempotencyStore {
  readonly maxResultBytes = MAX_ITEM_BYTES - RECORD_OVERHEAD_BYTES;
  /** Results above 512 bytes are compressed, favouring size (the engine's `compressAboveBytes` option wins). */
  readonly compression = COMPRESSION;
  /** The idempotency table this store reads and writes. */
  readonly tableName: string;
  readonly #transport: DynamoDBTransport;
  readonly #names: DynamoDBAttributeNames;
  readonly #sortKey: { readonly attribute: string; readonly partitionValue: string } | undefined;
  readonly #claimNames: Record<string, string>;

  constructor(options: DynamoDBStoreOptions) {
    if (typeof options?.tableName !== 'string' || options.tableName === '') {
      throw new IdempotencyConfigError('DynamoDBStore option "tableName" must be a non-empty string.');
    }
    this.tableName = options.tableName;
    this.#names = { ...defaultAttributeNames, ...options.attributes };
    this.#sortKey = options.sortKey && {
      attribute: options.sortKey.attribute,
      partitionValue: options.sortKey.partitionValue ?? 'idempotency',
    };
    this.#transport = transportFor(options);
    const names = this.#names;
    this.#claimNames = {
      '#pk': names.partitionKey,
      '#exp': names.expiration,
      '#status': names.status,
      '#ipe': names.inProgressExpiration,
    };
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const names = this.#names;
    const item: Item = {
      ...this.#key(request.id),
      [names.status]: 'INPROGRESS',
      [names.expiration]: request.expiresAt,
      [names.inProgressExpiration]: request.inProgressUntil,
      [names.lease]: request.lease,
    };
    if (request.fingerprint !== undefined) item[names.fingerprint] = request.fingerprint;
    try {
      await this.#transport.send(
        'PutItem',
        {
          TableName: this.tableName,
          Item: toAttributeMap(item),
          ConditionExpression: CLAIM_CONDITION,
          ExpressionAttributeNames: this.#claimNames,
          ExpressionAttributeValues: toAttributeMap({
            ':nowSeconds': epochSeconds(request.now),
            ':nowMillis': request.now,
            ':inProgress': 'INPROGRESS',
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
        { deadline: request.deadline },
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw this.#storeError('PutItem', request.id, error);
      const returned = oldItemOf(error);
      // Endpoints such as dynalite ignore ReturnValuesOnConditionCheckFailure: read the record.
      const existing = returned
        ? this.#toRecord(returned, request.id)
        : await this.get(request.id, { deadline: request.deadline });
      return { claimed: false, existing };
    }
  }

  async get(id: string, options: { readonly deadline?: number } = {}): Promise<IdempotencyRecord | undefined> {
    let item: Item | undefined;
    try {
      const output = await this.#transport.send(
        'GetItem',
        { TableName: this.tableName, Key: toAttributeMap(this.#key(id)), ConsistentRead: true },
        options,
      );
      item = output.Item && fromAttributeMap(output.Item);
    } catch (error) {
      throw this.#storeError('GetItem', id, error);
    }
    return item === undefined ? undefined : this.#toRecord(item, id);
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    const names = this.#names;
    try {
      await this.#transport.send(
        'UpdateItem',
        {
          TableName: this.tableName,
          Key: toAttributeMap(this.#key(request.id)),
          UpdateExpression: 'SET #status = :completed, #result = :result, #exp = :exp REMOVE #ipe',
          ConditionExpression: '#lease = :lease',
          ExpressionAttributeNames: {
            '#status': names.status,
            '#result': names.result,
            '#exp': names.expiration,
            '#ipe': names.inProgressExpiration,
            '#lease': names.lease,
          },
          ExpressionAttributeValues: toAttributeMap({
            ':completed': 'COMPLETED',
            ':result': resultToAttribute(request.result),
            ':exp': request.expiresAt,
            ':lease': request.lease,
          }),
        },
        { deadline: request.deadline },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      if (isItemTooLarge(error)) {
        throw new ResultTooLargeError(`DynamoDB refused the result of record "${request.id}" as too large for one item.`, {
          cause: error,
        });
      }
      throw this.#storeError('UpdateItem', request.id, error);
    }
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    try {
      await this.#transport.send(
        'DeleteItem',
        {
          TableName: this.tableName,
          Key: toAttributeMap(this.#key(request.id)),
          // Already gone counts as released: a retried delete whose first response was lost finds nothing.
          ConditionExpression: 'attribute_not_exists(#pk) OR #lease = :lease',
          ExpressionAttributeNames: { '#pk': this.#names.partitionKey, '#lease': this.#names.lease },
          ExpressionAttributeValues: { ':lease': { S: request.lease } },
        },
        { deadline: request.deadline },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw this.#storeError('DeleteItem', request.id, error);
    }
  }

  #key(id: string): Item {
    return recordKey(id, { partitionKey: this.#names.partitionKey, sortKey: this.#sortKey });
  }

  #toRecord(item: Item, id: string): IdempotencyRecord {
    return itemToRecord(item, id, this.#names);
  }

  #storeError(operation: string, id: string, cause: unknown): StoreError {
    const name = cause instanceof Error ? cause.name : 'Error';
    const detail = cause instanceof Error ? cause.message : String(cause);
    const message =
      name === 'ResourceNotFoundException'
        ? `DynamoDB ${operation} on idempotency record "${id}" failed: table "${this.tableName}" does not exist (or is not reachable with these credentials and region).`
        : `DynamoDB ${operation} on idempotency record "${id}" in table "${this.tableName}" failed: ${name}: ${detail}`;
    // An outage, as opposed to a refusal: the engine may fail open on it, and its circuit counts it.
    return new StoreError(message, operation, { cause, recordId: id, unavailable: isUnavailability(cause) });
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
}

/** The item a failed condition returned (DynamoDB does; some local endpoints do not), from either transport's error. */
function oldItemOf(error: unknown): Item | undefined {
  const item = (error as { Item?: AttributeMap }).Item;
  return item !== undefined && item !== null && typeof item === 'object' ? fromAttributeMap(item) : undefined;
}
