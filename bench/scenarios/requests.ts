import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildContender, type Invoke, LIBRARIES, type LibraryId } from '../contenders.js';
import { type MeterTotals, type Peek, RequestMeter } from '../request-meter.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from '../workload.js';

export const INVOCATION_KINDS = ['first', 'duplicate', 'cacheHit', 'failed'] as const;
export type InvocationKind = (typeof INVOCATION_KINDS)[number];
export const INVOCATION_LABELS: Record<InvocationKind, string> = {
  first: 'first call',
  duplicate: 'duplicate',
  cacheHit: 'duplicate, local cache hit',
  failed: 'handler throws',
};

export interface RequestsTarget {
  readonly client: () => DynamoDBClient;
  readonly tables: Readonly<Record<LibraryId, string>>;
  /** Reads items for billing, without being counted. */
  readonly peek: Peek;
}

/** Requests, failed conditions and capacity units of one invocation of each kind, per library. */
export type RequestCounts = Record<InvocationKind, Record<LibraryId, MeterTotals>>;

class HandlerFailure extends Error {
  override readonly name = 'HandlerFailure';
}

/**
 * Meters one invocation of each kind for both libraries through Middy (the wrapper shares the
 * same engine and requests), with the handler returning `resultBytes` of JSON.
 */
export async function countRequests(target: RequestsTarget, resultBytes: number): Promise<RequestCounts> {
  const template = orderResult('template', resultBytes);
  const counts = {} as Record<InvocationKind, Record<LibraryId, MeterTotals>>;
  for (const kind of INVOCATION_KINDS) counts[kind] = {} as Record<LibraryId, MeterTotals>;

  for (const library of LIBRARIES) {
    const meter = new RequestMeter();
    let failing = false;
    const handler = async (event: OrderEvent) => {
      if (failing) throw new HandlerFailure('the handler failed on purpose');
      return { ...template, orderId: event.orderId };
    };
    const build = (localCache: boolean): Invoke => {
      const client = target.client();
      meter.attach(client, target.peek);
      return buildContender({ library, adapter: 'middy', client, tableName: target.tables[library], localCache, handler });
    };
    const plain = build(false);
    const cached = build(true);
    const metered = async (invoke: Invoke, event: OrderEvent, expectFailure = false): Promise<MeterTotals> => {
      meter.reset();
      try {
        await invoke(event, lambdaContext());
        if (expectFailure) throw new Error('the failing handler did not fail');
      } catch (error) {
        if (!(error instanceof HandlerFailure)) throw error;
      }
      return meter.totals();
    };

    const event = orderEvent();
    counts.first[library] = await metered(plain, event);
    counts.duplicate[library] = await metered(plain, event);
    const cacheEvent = orderEvent();
    await cached(cacheEvent, lambdaContext());
    counts.cacheHit[library] = await metered(cached, cacheEvent);
    failing = true;
    counts.failed[library] = await metered(plain, orderEvent(), true);
  }
  return counts;
}
