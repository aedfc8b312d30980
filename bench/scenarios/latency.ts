import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ADAPTERS, type Adapter, buildContender, type Invoke, LIBRARIES, type LibraryId } from '../contenders.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from '../workload.js';

export const PHASES = ['first', 'duplicate', 'cacheHit'] as const;
export type Phase = (typeof PHASES)[number];
export const PHASE_LABELS: Record<Phase, string> = {
  first: 'first call',
  duplicate: 'duplicate',
  cacheHit: 'duplicate, local cache hit',
};

export interface LatencyConfig {
  /** Rounds whose samples are thrown away (JIT, connection pools, table warm-up). */
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly keysPerRound: number;
  /** Size of the handler's JSON result. */
  readonly resultBytes: number;
}

/** Per adapter, phase and library: one duration (ms) per measured invocation (empty for adapters not measured). */
export type LatencySamples = Record<Adapter, Record<Phase, Record<LibraryId, number[]>>>;

export interface LatencyTarget {
  /** A client for one contender (each gets its own, identically configured). */
  readonly client: () => DynamoDBClient;
  readonly tables: Readonly<Record<LibraryId, string>>;
  /** Milliseconds spent so far outside the client (the in-process double's own work), to subtract. */
  readonly excludedMs?: () => number;
}

interface Pair {
  readonly plain: Invoke;
  readonly cached: Invoke;
  readonly executions: { count: number };
}

/**
 * Times each invocation kind for both libraries. Within a round, every key is run by both
 * libraries back to back, the one going first alternating from key to key, so a burst of load
 * from elsewhere on the machine hits both alike; warm-up rounds are discarded.
 */
export async function measureLatency(
  target: LatencyTarget,
  config: LatencyConfig,
  adapters: readonly Adapter[] = ADAPTERS,
): Promise<LatencySamples> {
  const template = orderResult('template', config.resultBytes);
  const pairs = new Map<string, Pair>();
  for (const adapter of adapters) {
    for (const library of LIBRARIES) {
      const executions = { count: 0 };
      const handler = async (event: OrderEvent) => {
        executions.count++;
        return { ...template, orderId: event.orderId };
      };
      const build = (localCache: boolean) =>
        buildContender({ library, adapter, client: target.client(), tableName: target.tables[library], localCache, handler });
      pairs.set(`${adapter}/${library}`, { plain: build(false), cached: build(true), executions });
    }
  }
  const samples = emptySamples();
  const excluded = target.excludedMs ?? (() => 0);

  const timed = async (invoke: Invoke, event: OrderEvent): Promise<number> => {
    const context = lambdaContext();
    const excludedBefore = excluded();
    const started = performance.now();
    const result = (await invoke(event, context)) as { orderId?: unknown } | undefined;
    const elapsed = performance.now() - started - (excluded() - excludedBefore);
    if (result?.orderId !== event.orderId) throw new Error(`Wrong result for ${event.orderId}: ${JSON.stringify(result)}`);
    return elapsed;
  };

  for (let round = 0; round < config.warmupRounds + config.rounds; round++) {
    const keep = round >= config.warmupRounds;
    for (const adapter of adapters) {
      const keys = Array.from({ length: config.keysPerRound }, () => orderEvent());
      const cacheKeys = Array.from({ length: config.keysPerRound }, () => orderEvent());
      const order = (index: number) => ((index + round) % 2 === 0 ? LIBRARIES : [...LIBRARIES].reverse());
      const each = async (events: OrderEvent[], phase: Phase, pick: (pair: Pair) => Invoke, primeFirst = false) => {
        for (const [index, event] of events.entries()) {
          for (const library of order(index)) {
            const invoke = pick(pairs.get(`${adapter}/${library}`)!);
            // A cache hit is timed right after the call that filled the cache, whatever the cache's size.
            if (primeFirst) await timed(invoke, event);
            const elapsed = await timed(invoke, event);
            if (keep) samples[adapter][phase][library].push(elapsed);
          }
        }
      };
      await each(keys, 'first', (pair) => pair.plain);
      await each(keys, 'duplicate', (pair) => pair.plain);
      await each(cacheKeys, 'cacheHit', (pair) => pair.cached, true);
    }
  }
  // Every key ran its handler exactly once per library and adapter: a replay that re-executed would show here.
  const keysPerPair = (config.warmupRounds + config.rounds) * 2 * config.keysPerRound;
  for (const [name, pair] of pairs) {
    if (pair.executions.count !== keysPerPair) {
      throw new Error(`${name} ran its handler ${pair.executions.count} times for ${keysPerPair} keys.`);
    }
  }
  return samples;
}

function emptySamples(): LatencySamples {
  const perLibrary = () =>
    Object.fromEntries(LIBRARIES.map((library) => [library, [] as number[]])) as Record<LibraryId, number[]>;
  const perPhase = () =>
    Object.fromEntries(PHASES.map((phase) => [phase, perLibrary()])) as Record<Phase, Record<LibraryId, number[]>>;
  return Object.fromEntries(ADAPTERS.map((adapter) => [adapter, perPhase()])) as LatencySamples;
}
