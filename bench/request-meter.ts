import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize, strongReadUnits, type WireItem, writeUnits } from './item-size.js';
import { bodyText, operationOf } from './wire.js';

/** Reads an item as the table holds it, without being counted. */
export type Peek = (tableName: string, key: WireItem) => Promise<WireItem | undefined> | WireItem | undefined;

export interface MeterTotals {
  readonly requests: number;
  readonly byOperation: Readonly<Record<string, number>>;
  readonly failedConditions: number;
  readonly writeUnits: number;
  readonly readUnits: number;
}

interface WireInput {
  readonly TableName: string;
  readonly Key?: WireItem;
  readonly Item?: WireItem;
  readonly ConsistentRead?: boolean;
}

/**
 * Counts the DynamoDB requests a client sends and bills them as DynamoDB would, from the sizes
 * of the items involved: a write costs 1 WCU per started KB of the larger of the item before and
 * after (a failed condition included), a delete the size of the deleted item, a strongly
 * consistent read 1 RCU per started 4 KB (a miss still 1). It sits after serialization, so it
 * sees exactly the request body that goes on the wire, whichever client API the library uses.
 * With `peek`, it reads the item around each request (through another client), so use it only
 * where time is not being measured.
 */
export class RequestMeter {
  #requests = 0;
  #failedConditions = 0;
  #writeUnits = 0;
  #readUnits = 0;
  #byOperation: Record<string, number> = {};
  #lastKey: WireItem | undefined;
  readonly #keyAttributes: readonly string[];

  constructor(keyAttributes: readonly string[] = ['id']) {
    this.#keyAttributes = keyAttributes;
  }

  attach(client: DynamoDBClient, peek?: Peek): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        const operation = operationOf(request.headers);
        const body = bodyText(request.body);
        if (operation === undefined || body === undefined) return next(args);
        const input = JSON.parse(body) as WireInput;
        this.#requests++;
        this.#byOperation[operation] = (this.#byOperation[operation] ?? 0) + 1;
        const key = input.Key ?? this.#keyOf(input.Item);
        this.#lastKey = key ?? this.#lastKey;
        const before = peek && key ? await peek(input.TableName, key) : undefined;
        let conditionFailed = false;
        let rejected = false;
        try {
          return await next(args);
        } catch (error) {
          conditionFailed = (error as Error).name === 'ConditionalCheckFailedException';
          // Validation errors (an item too large...) are refused before any capacity is consumed.
          rejected = !conditionFailed;
          throw error;
        } finally {
          if (conditionFailed) this.#failedConditions++;
          if (peek && key && !rejected) {
            await this.#bill(operation, input, before, conditionFailed, () => peek(input.TableName, key));
          }
        }
      },
      { step: 'build', name: 'benchRequestMeter' },
    );
  }

  totals(): MeterTotals {
    return {
      requests: this.#requests,
      byOperation: { ...this.#byOperation },
      failedConditions: this.#failedConditions,
      writeUnits: this.#writeUnits,
      readUnits: this.#readUnits,
    };
  }

  /** The key of the last item a request addressed: how a benchmark finds the record a library wrote. */
  lastKey(): WireItem | undefined {
    return this.#lastKey;
  }

  reset(): void {
    this.#requests = 0;
    this.#failedConditions = 0;
    this.#writeUnits = 0;
    this.#readUnits = 0;
    this.#byOperation = {};
  }

  async #bill(
    operation: string,
    input: WireInput,
    before: WireItem | undefined,
    conditionFailed: boolean,
    after: () => Promise<WireItem | undefined> | WireItem | undefined,
  ): Promise<void> {
    const sizeBefore = before ? itemSize(before) : 0;
    switch (operation) {
      case 'GetItem':
        this.#readUnits += input.ConsistentRead ? strongReadUnits(sizeBefore) : strongReadUnits(sizeBefore) / 2;
        return;
      case 'PutItem':
        this.#writeUnits += writeUnits(Math.max(sizeBefore, input.Item ? itemSize(input.Item) : 0));
        return;
      case 'UpdateItem': {
        const updated = conditionFailed ? undefined : await after();
        this.#writeUnits += writeUnits(Math.max(sizeBefore, updated ? itemSize(updated) : 0));
        return;
      }
      case 'DeleteItem':
        this.#writeUnits += writeUnits(sizeBefore);
        return;
    }
  }

  #keyOf(item: WireItem | undefined): WireItem | undefined {
    if (item === undefined) return undefined;
    return Object.fromEntries(this.#keyAttributes.map((name) => [name, item[name]!]));
  }
}
