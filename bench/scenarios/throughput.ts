import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildContender, LIBRARIES, type LibraryId } from '../contenders.js';
import { median } from '../stats.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from '../workload.js';

export interface ThroughputConfig {
  readonly concurrencies: readonly number[];
  /** Measured runs per library and concurrency, alternating libraries. */
  readonly runs: number;
  readonly runMs: number;
  readonly resultBytes: number;
}

export interface ThroughputTarget {
  readonly client: () => DynamoDBClient;
  readonly tables: Readonly<Record<LibraryId, string>>;
}

/** Per concurrency and library: first calls per second, median over the runs. */
export type ThroughputResults = Record<number, Record<LibraryId, { readonly perSecond: number; readonly runs: number[] }>>;

/**
 * `concurrency` callers each invoke first calls on distinct keys back to back (Middy, no local
 * cache) for `runMs`; one short unmeasured run per library warms the clients first.
 */
export async function measureThroughput(target: ThroughputTarget, config: ThroughputConfig): Promise<ThroughputResults> {
  const template = orderResult('template', config.resultBytes);
  const handler = async (event: OrderEvent) => ({ ...template, orderId: event.orderId });
  const invokers = Object.fromEntries(
    LIBRARIES.map((library) => [
      library,
      buildContender({
        library,
        adapter: 'middy',
        client: target.client(),
        tableName: target.tables[library],
        localCache: false,
        handler,
      }),
    ]),
  ) as Record<LibraryId, ReturnType<typeof buildContender>>;

  const run = async (library: LibraryId, concurrency: number, runMs: number): Promise<number> => {
    const invoke = invokers[library];
    const started = performance.now();
    const deadline = started + runMs;
    let completed = 0;
    const caller = async () => {
      while (performance.now() < deadline) {
        await invoke(orderEvent(), lambdaContext());
        completed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, caller));
    return completed / ((performance.now() - started) / 1000);
  };

  for (const library of LIBRARIES) await run(library, Math.max(...config.concurrencies), Math.min(config.runMs, 500));
  const results: ThroughputResults = {};
  for (const concurrency of config.concurrencies) {
    const runs = Object.fromEntries(LIBRARIES.map((library) => [library, [] as number[]])) as Record<LibraryId, number[]>;
    for (let index = 0; index < config.runs; index++) {
      const order = index % 2 === 0 ? LIBRARIES : [...LIBRARIES].reverse();
      for (const library of order) runs[library].push(await run(library, concurrency, config.runMs));
    }
    results[concurrency] = Object.fromEntries(
      LIBRARIES.map((library) => [library, { perSecond: median(runs[library]), runs: runs[library] }]),
    ) as Record<LibraryId, { perSecond: number; runs: number[] }>;
  }
  return results;
}
