import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { epochSeconds, type IdempotencyRecord } from '../engine/record.js';
import type { ClaimRequest, ClaimResult, CompleteRequest, IdempotencyStore, ReleaseRequest } from '../engine/store.js';
import { IdempotencyConfigError, ResultTooLargeError, StoreError } from '../errors.js';
import {
  type DynamoDBAttributeNames,
  defaultAttributeNames,
  type Item,
  itemToRecord,
  recordKey,
  resultToAttribute,
} from './dynamodb-item.js';

/** DynamoDB's item size limit. */
const MAX_ITEM_BYTES = 400 * 1024;
/** Room left in an item for the key and the other attributes, beside the result. */
const RECORD_OVERHEAD_BYTES = 2 * 1024;
/** No record, an expired one, or an in-progress one whose claim has lapsed. */
const CLAIM_CONDITION = 'attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#status = :inProgress AND #ipe < :nowMillis)';

/** Options of {@link DynamoDBStore}: only `tableName` is required. */
export interface DynamoDBStoreOptions {
  /** The idempotency table. */
  readonly tableName: string;
  /**
   * A client to reuse (connection reuse, X-Ray or OpenTelemetry tracing, custom endpoints).
   * When omitted, a client is built from `clientConfig`; the AWS SDK then honours
   * `AWS_ENDPOINT_URL_DYNAMODB`, so the same code reaches dynalite, DynamoDB Local or AWS.
   */
  readonly client?: DynamoDBClient;
  /** Configuration for the client built when `client` is omitted (region, endpoint, maxAttempts...). */
  readonly clientConfig?: DynamoDBClientConfig;
  /** Rename attributes to fit an existing table. */
  readonly attributes?: Partial<DynamoDBAttributeNames>;
  /**
   * For single-table designs: the record id goes in this sort key and the partition key holds
   * `partitionValue` (default `idempotency`).
   */
  readonly sortKey?: {
    /** The table's sort key attribute, which holds the record id. */
    readonly attribute: string;
    /** The partition key value every record shares. Default `idempotency`. */
    readonly partitionValue?: string;
  };
}

/**
 * Keeps idempotency records in a DynamoDB table with conditional writes. Per invocation: a first
 * call costs a PutItem and an UpdateItem; a duplicate costs one PutItem whose failed condition
 * returns the existing item (plus one consistent GetItem on endpoints that do not return it).
 */
export class DynamoDBStore implements IdempotencyStore {
  readonly maxResultBytes = MAX_ITEM_BYTES - RECORD_OVERHEAD_BYTES;
  /** The idempotency table this store reads and writes. */
  readonly tableName: string;
  // The plain client with the SDK's own marshaller: the document client's extra middleware costs
  // about 40 µs per request and 9 ms of cold start for the same wire format (bench/RESULTS.md).
  readonly #client: DynamoDBClient;
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
    this.#client = options.client ?? new DynamoDBClient(options.clientConfig ?? {});
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
      await this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item),
          ConditionExpression: CLAIM_CONDITION,
          ExpressionAttributeNames: this.#claimNames,
          ExpressionAttributeValues: marshall({
            ':nowSeconds': epochSeconds(request.now),
            ':nowMillis': request.now,
            ':inProgress': 'INPROGRESS',
          }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw this.#storeError('PutItem', request.id, error);
      const returned = oldItemOf(error);
      // Endpoints such as dynalite ignore ReturnValuesOnConditionCheckFailure: read the record.
      const existing = returned ? this.#toRecord(returned, request.id) : await this.get(request.id);
      return { claimed: false, existing };
    }
  }

  async get(id: string): Promise<IdempotencyRecord | undefined> {
    let item: Item | undefined;
    try {
      const output = await this.#client.send(
        new GetItemCommand({ TableName: this.tableName, Key: marshall(this.#key(id)), ConsistentRead: true }),
      );
      item = output.Item && unmarshall(output.Item);
    } catch (error) {
      throw this.#storeError('GetItem', id, error);
    }
    return item === undefined ? undefined : this.#toRecord(item, id);
  }

  async complete(request: CompleteRequest): Promise<boolean> {
    const names = this.#names;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(this.#key(request.id)),
          UpdateExpression: 'SET #status = :completed, #result = :result, #exp = :exp REMOVE #ipe',
          ConditionExpression: '#lease = :lease',
          ExpressionAttributeNames: {
            '#status': names.status,
            '#result': names.result,
            '#exp': names.expiration,
            '#ipe': names.inProgressExpiration,
            '#lease': names.lease,
          },
          ExpressionAttributeValues: marshall({
            ':completed': 'COMPLETED',
            ':result': resultToAttribute(request.result),
            ':exp': request.expiresAt,
            ':lease': request.lease,
          }),
        }),
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
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(this.#key(request.id)),
          // Already gone counts as released: a retried delete whose first response was lost finds nothing.
          ConditionExpression: 'attribute_not_exists(#pk) OR #lease = :lease',
          ExpressionAttributeNames: { '#pk': this.#names.partitionKey, '#lease': this.#names.lease },
          ExpressionAttributeValues: { ':lease': { S: request.lease } },
        }),
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
    return new StoreError(message, operation, { cause });
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function isItemTooLarge(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
}

/** The item a failed condition returned (DynamoDB does; some local endpoints do not). */
function oldItemOf(error: unknown): Item | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item !== undefined && item !== null && typeof item === 'object' ? unmarshall(item) : undefined;
}
