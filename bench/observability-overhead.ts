import { closeSync, openSync, writeSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DynamoDBStore, makeIdempotent } from '../src/index.js';
import type { IdempotencyOutcome, OutcomeSink } from '../src/observability/index.js';
import { emfMetrics, openTelemetrySpans, outcomeLog } from '../src/observability/index.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';

/**
 * The CPU the observability sinks add to an invocation: the same first call and duplicate,
 * with no sink and with each sink, interleaved step by step. dynalite runs in a child process, so
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
  'hook only': [() => undefined],
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
  const names = Object.keys(handlers);
  const perInvocationUs: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  // Paired: per step, every configuration runs one first call + duplicate, in a rotating order,
  // so a burst of machine noise lands on all of them and the difference to "off" cancels it.
  const versusOffUs: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await handlers[name]?.({ id: `warm-${name}` });
  for (let step = 0; step < ROUNDS * PAIRS; step++) {
    const used: Record<string, number> = {};
    for (let offset = 0; offset < names.length; offset++) {
      const name = names[(step + offset) % names.length] as string;
      const order = { id: `order-${sequence++}` };
      const before = process.cpuUsage();
      await handlers[name]?.(order);
      await handlers[name]?.(order);
      const cpu = process.cpuUsage(before);
      used[name] = (cpu.user + cpu.system) / 2;
    }
    for (const name of names) {
      perInvocationUs[name]?.push(used[name] as number);
      versusOffUs[name]?.push((used[name] as number) - (used.off as number));
    }
    if (step % PAIRS === PAIRS - 1) exporter.reset();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  console.log(
    `CPU per invocation (${ROUNDS * PAIRS} steps of one first call + duplicate per configuration, rotating order), µs:`,
  );
  for (const name of names) {
    const difference = median(versusOffUs[name] ?? []);
    console.log(
      `  ${name.padEnd(18)} ${median(perInvocationUs[name] ?? [])
        .toFixed(1)
        .padStart(7)}  (median paired difference ${difference >= 0 ? '+' : ''}${difference.toFixed(1)} vs off)`,
    );
  }
  // The sinks alone, on a real outcome: the part of the overhead the round-trip noise hides.
  const sample: IdempotencyOutcome[] = [];
  const probe = makeIdempotent(async (order: { id: string }) => ({ ok: order.id }), {
    store,
    key: 'id',
    keyPrefix: 'probe',
    onOutcome: (outcome) => void sample.push(outcome),
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
