import './quiet-sdk.js';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type BenchConfig, FULL_CONFIG, QUICK_CONFIG } from './config.js';
import { MemoryDynamoDB } from './double/memory-dynamodb.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable, rawReader } from './dynamodb.js';
import { describeEnvironment } from './report/environment.js';
import { renderMarkdown } from './report/markdown.js';
import { renderLatencySvg } from './report/svg.js';
import type { BenchResults } from './results.js';
import { measureBundles } from './scenarios/bundle.js';
import { measureCpuBySize } from './scenarios/cpu-by-size.js';
import { measureDiagnostics } from './scenarios/diagnostics.js';
import { measureLatency } from './scenarios/latency.js';
import { countRequests } from './scenarios/requests.js';
import { measureSdkFloor } from './scenarios/sdk-floor.js';
import { measureStorage } from './scenarios/storage.js';
import { measureThroughput } from './scenarios/throughput.js';
import { orderResult } from './workload.js';

const SVG_FILE = 'latency.svg';
const CPU_SVG_FILE = 'cpu.svg';

const processStart = performance.now();

function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - processStart) / 1000).toFixed(1)} s] ${message}\n`);
}

/**
 * Runs every scenario against both libraries and returns the figures; writes nothing. Without
 * `endpointUrl`, the endpoint is `AWS_ENDPOINT_URL_DYNAMODB` or a dynalite child process.
 */
export async function runBenchmark(config: BenchConfig, endpointUrl?: string): Promise<BenchResults> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const endpoint = endpointUrl
    ? { url: endpointUrl, description: `endpoint ${endpointUrl}`, stop: async () => {} }
    : await startEndpoint();
  const client = () => benchClient(endpoint.url);
  const admin = client();
  const created: string[] = [];
  try {
    const tables = { ours: await createTable(admin, 'ours'), powertools: await createTable(admin, 'powertools') };
    created.push(tables.ours, tables.powertools);
    const read = rawReader(admin);

    log('1/7 latency against the endpoint');
    const latency = await measureLatency({ client, tables }, config.latency);

    log('2/7 requests and capacity');
    const double = new MemoryDynamoDB();
    const doubleClient = () => benchClient('http://dynamodb.double.invalid', { requestHandler: double });
    const doubleTables = { ours: 'ours', powertools: 'powertools' };
    const requests = {
      endpoint: await countRequests({ client, tables, peek: read }, config.latency.resultBytes),
      dynamodb: await countRequests(
        { client: doubleClient, tables: doubleTables, peek: (table, key) => double.peek(table, key) },
        config.latency.resultBytes,
      ),
    };

    log('3/7 bytes stored per record');
    const storage = await measureStorage({ client, tables, read }, config.storageSizes);

    log('4/7 CPU time against the in-process double');
    const cpu = await measureLatency({ client: doubleClient, tables: doubleTables, excludedMs: () => double.busyMs }, config.cpu);
    const resultText = JSON.stringify(orderResult('template', config.cpu.resultBytes));
    const sdkFloor = await measureSdkFloor(doubleClient, () => double.busyMs, config.cpu, resultText);
    const { sizes, ...sizedConfig } = config.cpuBySize;
    const cpuBySize = await measureCpuBySize(
      { client: doubleClient, tables: doubleTables, excludedMs: () => double.busyMs },
      sizedConfig,
      sizes,
    );

    log('5/7 bundle size and cold import');
    const bundles = await measureBundles(config.importSpawns);

    log('6/7 throughput');
    const throughput = await measureThroughput({ client, tables }, config.throughput);

    log('7/7 diagnostics of lambda-idempotency');
    const diagnostics = await measureDiagnostics(
      { client: doubleClient, tableName: 'diagnostics', peek: (table, key) => double.peek(table, key) },
      config.diagnostics.spawns,
      config.diagnostics.iterations,
    );

    return {
      environment: describeEnvironment(),
      endpoint: endpoint.description,
      durationSeconds: (performance.now() - started) / 1000,
      load: { start: loadAtStart, end: loadavg()[0]! },
      config,
      latency,
      cpu,
      sdkFloor,
      cpuBySize,
      requests,
      storage,
      bundles,
      throughput,
      diagnostics,
    };
  } finally {
    // Against a shared endpoint (DynamoDB Local, an AWS account, the test suite's dynalite) leave nothing behind.
    await Promise.all(created.map((name) => admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
    await endpoint.stop();
  }
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const results = await runBenchmark(quick ? QUICK_CONFIG : FULL_CONFIG);
  const markdown = renderMarkdown(results, SVG_FILE, CPU_SVG_FILE);
  process.stdout.write(markdown);
  if (quick) return log('quick run: RESULTS.md left as it was');
  await writeFile(new URL('./RESULTS.md', import.meta.url), markdown);
  await writeFile(
    new URL(`./${SVG_FILE}`, import.meta.url),
    renderLatencySvg(results.latency, 'Latency per invocation against the endpoint (ms, log scale)'),
  );
  await writeFile(
    new URL(`./${CPU_SVG_FILE}`, import.meta.url),
    renderLatencySvg(results.cpu, 'Client-side time per invocation against the in-process double (ms, log scale)'),
  );
  log(`wrote bench/RESULTS.md, bench/${SVG_FILE} and bench/${CPU_SVG_FILE} in ${results.durationSeconds.toFixed(0)} s`);
}

// Run only as the entry point, so a test can import runBenchmark without starting a run.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
