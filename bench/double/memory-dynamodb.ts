import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HttpHandlerOptions, HttpResponse } from '@smithy/types';
import { itemSize, type WireItem } from '../item-size.js';
import { bodyText, operationOf } from '../wire.js';
import { applyUpdate, type ExpressionContext, evaluateCondition } from './expressions.js';

/** The request the SDK hands to its HTTP handler (the node handler's own parameter type). */
export interface WireRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

interface OperationInput {
  readonly TableName: string;
  readonly Key?: WireItem;
  readonly Item?: WireItem;
  readonly ConditionExpression?: string;
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

const MAX_ITEM_BYTES = 400 * 1024;

class DynamoDBError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly item?: WireItem,
  ) {
    super(message);
  }
}

/**
 * A zero-latency DynamoDB in this process, plugged in as the SDK client's HTTP handler: it reads
 * the same JSON a real endpoint would, evaluates the same conditions and update expressions,
 * returns the old item with a failed condition (as DynamoDB does, unlike dynalite) and refuses
 * items above 400 KB. The time spent inside it is tallied in `busyMs`, so a benchmark can
 * subtract the double's own work and keep only the client's (library + SDK).
 */
export class MemoryDynamoDB {
  readonly #tables = new Map<string, Map<string, WireItem>>();
  readonly #keyAttributes: readonly string[];
  busyMs = 0;
  requests = 0;

  constructor(keyAttributes: readonly string[] = ['id']) {
    this.#keyAttributes = keyAttributes;
  }

  /** The stored item, as DynamoDB holds it (for byte counts and capacity metering). */
  peek(tableName: string, key: WireItem): WireItem | undefined {
    return this.#tables.get(tableName)?.get(this.#keyString(key));
  }

  async handle(request: WireRequest, _options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const started = performance.now();
    this.requests++;
    let status = 200;
    let payload: unknown;
    try {
      const operation = operationOf(request.headers) ?? '';
      payload = this.#execute(operation, JSON.parse(bodyText(request.body) ?? '{}') as OperationInput);
    } catch (error) {
      if (!(error instanceof DynamoDBError)) throw error;
      status = 400;
      payload = { __type: `com.amazonaws.dynamodb.v20120810#${error.type}`, message: error.message, Item: error.item };
    }
    const bytes = Buffer.from(JSON.stringify(payload));
    const response = {
      statusCode: status,
      reason: status === 200 ? 'OK' : 'Bad Request',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(bytes.byteLength) },
      body: Readable.from([bytes]),
    } as HttpResponse;
    this.busyMs += performance.now() - started;
    return { response };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}

  #execute(operation: string, input: OperationInput): unknown {
    const table = this.#table(input.TableName);
    const context: ExpressionContext = {
      names: input.ExpressionAttributeNames ?? {},
      values: input.ExpressionAttributeValues ?? {},
    };
    const key = input.Key ?? this.#keyOf(input.Item ?? {});
    const keyString = this.#keyString(key);
    const existing = table.get(keyString);
    if (operation === 'GetItem') return existing === undefined ? {} : { Item: existing };
    if (!['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) {
      throw new Error(`The DynamoDB double does not implement ${operation}.`);
    }
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, context)) {
      const returnOld = input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
      throw new DynamoDBError(
        'ConditionalCheckFailedException',
        'The conditional request failed',
        returnOld ? existing : undefined,
      );
    }
    if (operation === 'DeleteItem') {
      table.delete(keyString);
      return {};
    }
    const next =
      operation === 'PutItem' ? (input.Item ?? {}) : applyUpdate(input.UpdateExpression ?? '', existing ?? { ...key }, context);
    if (itemSize(next) > MAX_ITEM_BYTES) {
      throw new DynamoDBError('ValidationException', 'Item size has exceeded the maximum allowed size');
    }
    table.set(keyString, next);
    return {};
  }

  #table(name: string): Map<string, WireItem> {
    let table = this.#tables.get(name);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(name, table);
    }
    return table;
  }

  #keyOf(item: WireItem): WireItem {
    return Object.fromEntries(this.#keyAttributes.map((name) => [name, item[name]!]));
  }

  #keyString(key: WireItem): string {
    return this.#keyAttributes.map((name) => JSON.stringify(key[name])).join('|');
  }
}
