import { isDeepStrictEqual } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Adapter, buildContender, LIBRARIES, type LibraryId } from '../contenders.js';
import { itemSize, type WireItem } from '../item-size.js';
import { type MeterTotals, RequestMeter } from '../request-meter.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from '../workload.js';

export const RESULT_SIZES = [1024, 20 * 1024, 200 * 1024, 600 * 1024] as const;
/** Above DynamoDB's item limit: also run through each library's wrapper, whose failure path differs from Middy's. */
const OVERSIZED = 400 * 1024;

export interface StorageTarget {
  readonly client: () => DynamoDBClient;
  readonly tables: Readonly<Record<LibraryId, string>>;
  readonly read: (tableName: string, key: WireItem) => Promise<WireItem | undefined>;
}

export interface StorageOutcome {
  readonly adapter: Adapter;
  /** The size asked of the generator (one of RESULT_SIZES). */
  readonly targetBytes: number;
  /** The JSON size of the result actually returned. */
  readonly resultBytes: number;
  /** The record's size by DynamoDB's rules, when a record exists. */
  readonly storedBytes: number | undefined;
  /** Its status attribute. */
  readonly status: string | undefined;
  /** What the first call did: `returned` or the name of the error it threw. */
  readonly firstCall: string;
  /** What a duplicate got: `replayed`, `replayed a different value`, or an error name; `ran the handler again` first when it did. */
  readonly duplicate: string;
  readonly firstCallCost: MeterTotals;
  readonly duplicateCost: MeterTotals;
}

export type StorageResults = Record<LibraryId, StorageOutcome[]>;

/**
 * For each result size: one first call and one duplicate per library (Middy, no local cache; a
 * result above the item limit also through the wrapper),
 * the stored item read back raw and sized by DynamoDB's rules, and both calls billed.
 */
export async function measureStorage(target: StorageTarget, sizes: readonly number[] = RESULT_SIZES): Promise<StorageResults> {
  const results = {} as StorageResults;
  for (const library of LIBRARIES) {
    results[library] = [];
    const cases = [
      ...sizes.map((size) => ({ resultBytes: size, adapter: 'middy' as const })),
      ...sizes.filter((size) => size > OVERSIZED).map((size) => ({ resultBytes: size, adapter: 'wrapper' as const })),
    ];
    for (const { resultBytes, adapter } of cases) {
      const meter = new RequestMeter();
      const client = target.client();
      meter.attach(client, target.read);
      const event = orderEvent();
      const expected = orderResult(event.orderId, resultBytes, resultBytes);
      let executions = 0;
      const handler = async (_event: OrderEvent) => {
        executions++;
        return structuredClone(expected);
      };
      const invoke = buildContender({
        library,
        adapter,
        client,
        tableName: target.tables[library],
        localCache: false,
        handler,
      });

      const firstCall = await outcomeOf(
        () => invoke(event, lambdaContext()),
        () => 'returned',
      );
      const firstCallCost = meter.totals();
      meter.reset();
      const duplicateOutcome = await outcomeOf(
        () => invoke(event, lambdaContext()),
        (value) => (isDeepStrictEqual(value, expected) ? 'replayed' : 'replayed a different value'),
      );
      const duplicate = executions > 1 ? `ran the handler again, then ${duplicateOutcome}` : duplicateOutcome;
      const duplicateCost = meter.totals();
      const key = meter.lastKey();
      const item = key ? await target.read(target.tables[library], key) : undefined;
      results[library].push({
        adapter,
        targetBytes: resultBytes,
        resultBytes: Buffer.byteLength(JSON.stringify(expected)),
        storedBytes: item ? itemSize(item) : undefined,
        status: item?.status?.S,
        firstCall,
        duplicate,
        firstCallCost,
        duplicateCost,
      });
    }
  }
  return results;
}

async function outcomeOf(call: () => Promise<unknown>, describe: (value: unknown) => string): Promise<string> {
  try {
    return describe(await call());
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}
