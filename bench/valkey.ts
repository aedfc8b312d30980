import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { IdempotencyConfig, makeIdempotent as powertoolsMakeIdempotent } from '@aws-lambda-powertools/idempotency';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import type { Context } from 'aws-lambda';
import { createClient } from 'redis';
import { makeIdempotent } from '../src/index.js';
import { ValkeyStore } from '../src/stores/valkey/index.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { quantile, sortedCopy } from './stats.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from './workload.js';

/**
 * The store dimension: our ValkeyStore against Powertools' cache persistence layer on one
 * redis-server and one node-redis client (the client Powertools documents), runs alternating.
 * Writes its section of bench/RESULTS.md between `<!-- valkey:start -->` and `<!-- valkey:end -->`.
 */
const ROUNDS = Number(process.env.VALKEY_BENCH_ROUNDS ?? 400);
const SIZES = [1024, 20 * 1024, 200 * 1024] as const;
type Library = 'ours' | 'powertools';
type Invoke = (event: OrderEvent, context: Context) => Promise<unknown>;

const COUNTED = new Set(['sendCommand', 'get', 'set', 'del']);

async function main(): Promise<void> {
  const server = await startRedisServer();
  const raw = await createClient({ url: server.url }).connect();
  let roundTrips = 0;
  // One client for both libraries; every command either sends is one round trip.
  const client = new Proxy(raw, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!COUNTED.has(String(property))) return bound;
      return (...args: unknown[]) => {
        roundTrips++;
        return bound(...args);
      };
    },
  });
  const build = (library: Library, size: number, localCache = false): Invoke => {
    const produce = async (event: OrderEvent) => orderResult(event.orderId, size);
    if (library === 'ours') {
      return makeIdempotent(
        async function ordersBench(event: OrderEvent, _context: Context) {
          return produce(event);
        },
        {
          store: new ValkeyStore({ client, keyPrefix: 'ours:' }),
          key: 'orderId',
          localCache: localCache ? { maxEntries: 100 } : undefined,
        },
      );
    }
    const persistenceStore = new CachePersistenceLayer({ client });
    const config = new IdempotencyConfig({ eventKeyJmesPath: 'orderId', useLocalCache: localCache });
    return powertoolsMakeIdempotent(async (event: OrderEvent, _context: Context) => produce(event), { persistenceStore, config });
  };

  // Round trips per invocation, and what each stores.
  const rows: string[] = [];
  const cost: Record<Library, { first: number; duplicate: number; cached: number }> = {} as never;
  for (const library of ['ours', 'powertools'] as const) {
    const invoke = build(library, 1024);
    const cachedInvoke = build(library, 1024, true);
    // Warm: the first invocation of a container also loads the scripts (one EVALSHA miss each).
    await invoke(orderEvent(), lambdaContext());
    const event = orderEvent();
    let before = roundTrips;
    await invoke(event, lambdaContext());
    const first = roundTrips - before;
    before = roundTrips;
    await invoke(event, lambdaContext());
    const duplicate = roundTrips - before;
    const cachedEvent = orderEvent();
    await cachedInvoke(cachedEvent, lambdaContext());
    before = roundTrips;
    await cachedInvoke(cachedEvent, lambdaContext());
    cost[library] = { first, duplicate, cached: roundTrips - before };
  }
  rows.push(
    '| round trips per invocation | first call | duplicate | duplicate, local cache |',
    '| --- | --- | --- | --- |',
    `| ours (ValkeyStore) | ${cost.ours.first} | ${cost.ours.duplicate} | ${cost.ours.cached} |`,
    `| Powertools (CachePersistenceLayer) | ${cost.powertools.first} | ${cost.powertools.duplicate} | ${cost.powertools.cached} |`,
    '',
  );

  const stored: Record<Library, Record<number, number>> = { ours: {}, powertools: {} };
  for (const size of SIZES) {
    for (const library of ['ours', 'powertools'] as const) {
      await raw.flushAll();
      await build(library, size)(orderEvent(), lambdaContext());
      const [key] = await raw.keys('*');
      stored[library][size] = Number(await raw.memoryUsage(key!, { SAMPLES: 0 }));
    }
  }
  rows.push(
    '| bytes stored (MEMORY USAGE of the record) | 1 KB result | 20 KB result | 200 KB result |',
    '| --- | --- | --- | --- |',
    ...(['ours', 'powertools'] as const).map(
      (library) =>
        `| ${library === 'ours' ? 'ours' : 'Powertools'} | ${SIZES.map((size) => stored[library][size]).join(' | ')} |`,
    ),
    `| ours / Powertools | ${SIZES.map((size) => (stored.ours[size]! / stored.powertools[size]!).toFixed(2)).join(' | ')} |`,
    '',
  );

  // Latency, alternating libraries run by run so drift in the machine hits both alike.
  const samples: Record<Library, { first: number[]; duplicate: number[] }> = {
    ours: { first: [], duplicate: [] },
    powertools: { first: [], duplicate: [] },
  };
  const invokers = { ours: build('ours', 1024), powertools: build('powertools', 1024) };
  for (let warm = 0; warm < 50; warm++) for (const invoke of Object.values(invokers)) await invoke(orderEvent(), lambdaContext());
  for (let round = 0; round < ROUNDS; round++) {
    for (const library of round % 2 === 0 ? (['ours', 'powertools'] as const) : (['powertools', 'ours'] as const)) {
      const event = orderEvent();
      let start = performance.now();
      await invokers[library](event, lambdaContext());
      samples[library].first.push(performance.now() - start);
      start = performance.now();
      await invokers[library](event, lambdaContext());
      samples[library].duplicate.push(performance.now() - start);
    }
  }
  const percentile = (values: number[], p: number) => quantile(sortedCopy(values), p / 100);
  const fmt = (values: number[], p: number) => percentile(values, p).toFixed(3);
  const median = (library: Library, kind: 'first' | 'duplicate') => percentile(samples[library][kind], 50);
  rows.push(
    `| latency, ms (1 KB result, ${ROUNDS} alternating runs each) | first p50 | first p99 | duplicate p50 | duplicate p99 |`,
    '| --- | --- | --- | --- | --- |',
    ...(['ours', 'powertools'] as const).map(
      (library) =>
        `| ${library === 'ours' ? 'ours' : 'Powertools'} | ${fmt(samples[library].first, 50)} | ${fmt(samples[library].first, 99)} | ${fmt(samples[library].duplicate, 50)} | ${fmt(samples[library].duplicate, 99)} |`,
    ),
    `| ours / Powertools (p50) | ${(median('ours', 'first') / median('powertools', 'first')).toFixed(2)} | | ${(median('ours', 'duplicate') / median('powertools', 'duplicate')).toFixed(2)} | |`,
  );

  await raw.close();
  await server.stop();
  const markdown = [
    `redis-server on 127.0.0.1 (persistence off), one node-redis v5 client shared by both libraries; \`npx tsx bench/valkey.ts\`.`,
    '',
    ...rows,
  ].join('\n');
  console.log(markdown);
  const file = new URL('./RESULTS.md', import.meta.url);
  const text = readFileSync(file, 'utf8');
  const start = '<!-- valkey:start -->';
  const end = '<!-- valkey:end -->';
  const section = `${start}\n${markdown}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  writeFileSync(
    file,
    from >= 0 && to > from
      ? `${text.slice(0, from)}${section}${text.slice(to + end.length)}`
      : `${text.trimEnd()}\n\n## Store dimension: Valkey / Redis\n\n${section}\n`,
  );
  // The tables are written unpadded; the repository's formatter pads them.
  spawnSync('npx', ['biome', 'format', '--write', fileURLToPath(file)], { stdio: 'ignore' });
}

await main();
