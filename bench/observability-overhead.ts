import { closeSync, openSync, writeSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DynamoDBStore, type IdempotencyOutcome, makeIdempotent, type OutcomeSink } from '../src/index.js';
import { emfMetrics, openTelemetrySpans, outcomeLog, outcomeSink } from '../src/observability/index.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';

/**
 * The CPU the observability sinks add to an invocation: the same first call and duplicate,
 * with no sink and with each sink, in interleaved rounds. dynalite runs in a child process, so
 * `process.cpuUsage` counts only this process: the library, the SDK and the sinks.
 * Run: `npx tsx bench/observability-overhead.ts [pairs per round] [rounds]`.
 */
const PAIRS = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 7);

const devNull = openSync('/dev/null', 'w');
const toDevNull = (line: string) => void writeSync(devNull, `${line}\n`);
const silentLogger = { debug: toDevNull, info: toDevNull, warn: toDevNull, error: toDevNull };
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const spans = openTelemetrySpans();
await spans.ready;

const configurations: Record<string, OutcomeSink[] | undefined> = {
  off: undefined,
  'hook only': [outcomeSink(() => undefined)],
  emf: [emfMetrics({ write: toDevNull })],
  'emf + log': [emfMetrics({ write: toDevNull }), outcomeLog({ logger: silentLogger, style: 'json' })],
  'emf + log + otel': [emfMetrics({ write: toDevNull }), outcomeLog({ logger: silentLogger, style: 'json' }), spans],
};

const endpoint = await startEndpoint();
try {
  const client = benchClient(endpoint.url);
  const tableName = await createTable(client, 'observability');
  const store = new DynamoDBStore({ tableName, client });
  const handlers = Object.fromEntries(
    Object.entries(configurations).map(([name, onOutcome]) => [
      name,
      makeIdempotent(async (order: { id: string }) => ({ ok: order.id }), { store, key: 'id', keyPrefix: 'bench', onOutcome }),
    ]),
  );
  let sequence = 0;
  const perInvocationUs: Record<string, number[]> = Object.fromEntries(Object.keys(configurations).map((name) => [name, []]));
  for (const name of Object.keys(handlers)) await handlers[name]?.({ id: `warm-${name}` });
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, handler] of Object.entries(handlers)) {
      const before = process.cpuUsage();
      for (let pair = 0; pair < PAIRS; pair++) {
        const order = { id: `order-${sequence++}` };
        await handler(order);
        await handler(order);
      }
      const used = process.cpuUsage(before);
      perInvocationUs[name]?.push((used.user + used.system) / (PAIRS * 2));
      exporter.reset();
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const off = median(perInvocationUs.off ?? []);
  console.log(`CPU per invocation (median of ${ROUNDS} rounds of ${PAIRS} first calls + ${PAIRS} duplicates), µs:`);
  for (const [name, values] of Object.entries(perInvocationUs)) {
    const value = median(values);
    console.log(
      `  ${name.padEnd(18)} ${value.toFixed(1).padStart(7)}  (${value - off >= 0 ? '+' : ''}${(value - off).toFixed(1)} vs off)`,
    );
  }
  // The sinks alone, on a real outcome: the part of the overhead the round-trip noise hides.
  const sample: IdempotencyOutcome[] = [];
  const probe = makeIdempotent(async (order: { id: string }) => ({ ok: order.id }), {
    store,
    key: 'id',
    keyPrefix: 'probe',
    onOutcome: outcomeSink((outcome) => void sample.push(outcome)),
  });
  await probe({ id: 'probe' });
  const outcome = sample[0] as IdempotencyOutcome;
  console.log('Each sink alone, per outcome (100000 calls), µs:');
  for (const [name, sinks] of Object.entries(configurations)) {
    if (sinks === undefined) continue;
    const started = process.cpuUsage();
    for (let call = 0; call < 100_000; call++) for (const sink of sinks) sink(outcome);
    const used = process.cpuUsage(started);
    exporter.reset();
    console.log(`  ${name.padEnd(18)} ${((used.user + used.system) / 100_000).toFixed(2).padStart(7)}`);
  }
  client.destroy();
} finally {
  closeSync(devNull);
  await endpoint.stop();
}
