import './quiet-sdk.js';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import middy from 'middy-core-7';
import { FaultProxy } from '../test/support/fault-proxy.js';
import { type ColdRun, coldRun } from './cold-start.js';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';
import { table } from './report/markdown.js';
import { median } from './stats.js';
import { BENCH_FUNCTION_NAME, lambdaContext, type OrderEvent } from './workload.js';

/**
 * `npm run bench` (after run.ts): the lean transport beside the AWS SDK client path and
 * Powertools. Cold start of the same Middy handler bundled for each as CDK's NodejsFunction
 * bundles it (esbuild, CommonJS, node22, minified, the SDK bundled in), then warm client-side CPU
 * and latency per invocation against dynalite (in a child process, so its CPU is not counted),
 * and the requests each invocation sends. Writes its section of bench/RESULTS.md between
 * `<!-- transport:start -->` and `<!-- transport:end -->` (appended when missing). BENCH_QUICK=1 runs a short version
 * and writes nothing. BENCH_NODE=<node binary> runs the cold starts on that Node (Lambda runs 22 and 24).
 */

type Contender = 'lean' | 'sdk-client' | 'powertools';
const CONTENDERS: readonly Contender[] = ['lean', 'sdk-client', 'powertools'];
const LABELS: Record<Contender, string> = {
  lean: 'lambda-idempotency (no client: lean transport)',
  'sdk-client': 'lambda-idempotency (SDK client passed)',
  powertools: 'Powertools',
};
const FIXTURES: Record<Contender, string> = {
  lean: 'ours-handler.ts',
  'sdk-client': 'ours-sdk-client-handler.ts',
  powertools: 'powertools-handler.ts',
};
const QUICK = process.env.BENCH_QUICK === '1';
/** The Node the cold starts run on: BENCH_NODE (a binary, say Lambda's Node 22), else this one. */
const COLD_NODE = process.env.BENCH_NODE ?? process.execPath;
const COLD_NODE_VERSION = spawnSync(COLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
const COLD_RUNS = QUICK ? 3 : 20;
const BLOCK = QUICK ? 20 : 100;
const ROUNDS = QUICK ? 2 : 8;
const OUTPUT = new URL('../node_modules/.cache/lambda-idempotency-bench/transport/', import.meta.url);
process.env.AWS_LAMBDA_FUNCTION_NAME = BENCH_FUNCTION_NAME;
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';

function log(message: string): void {
  process.stderr.write(`[bench transport] ${message}\n`);
}

/** One bundle per contender, as NodejsFunction builds it, with the SDK inside (as our users bundle it). */
async function bundle(contender: Contender): Promise<{ file: string; bytes: number; gzipBytes: number }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${FIXTURES[contender]}`, import.meta.url))],
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  await mkdir(OUTPUT, { recursive: true });
  const file = fileURLToPath(new URL(`${contender}.cjs`, OUTPUT));
  await writeFile(file, code);
  return { file, bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
}

type Invoke = (event: OrderEvent) => Promise<unknown>;
type Library = typeof import('lambda-idempotency');

/**
 * Our package compiled, as a function runs it (esbuild, not minified, dependencies left to
 * node_modules), the way Powertools runs from its compiled package: not our TypeScript sources
 * as tsx transforms them here, which keeps function names (a call per closure created).
 */
async function compiledLibrary(): Promise<Library> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  await mkdir(OUTPUT, { recursive: true });
  const file = fileURLToPath(new URL('lambda-idempotency.mjs', OUTPUT));
  await writeFile(file, result.outputFiles[0]!.contents);
  return (await import(pathToFileURL(file).href)) as Library;
}
const { DynamoDBStore, idempotency } = await compiledLibrary();

function handlerFor(contender: Contender, tableName: string, endpoint: string, localCache = false): Invoke {
  const business = async (event: OrderEvent) => ({ orderId: event.orderId, status: 'created' });
  const context = lambdaContext();
  if (contender === 'powertools') {
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: benchClient(endpoint) });
    const config = new IdempotencyConfig({ eventKeyJmesPath: 'orderId', useLocalCache: localCache });
    const handler = middy(business).use(makeHandlerIdempotent({ persistenceStore, config }));
    return (event) => handler(event, context);
  }
  const store =
    contender === 'lean'
      ? new DynamoDBStore({ tableName, endpoint })
      : new DynamoDBStore({ tableName, client: benchClient(endpoint) });
  const handler = middy(business).use(idempotency<OrderEvent>({ store, key: 'orderId', localCache }));
  return (event) => handler(event, context);
}

interface Warm {
  readonly firstCpuMs: number[];
  readonly duplicateCpuMs: number[];
  readonly firstLatencyMs: number[];
  readonly duplicateLatencyMs: number[];
}

/** One block: BLOCK first calls, then the same BLOCK keys again; CPU per call from the block's totals. */
async function warmBlock(invoke: Invoke, into: Warm): Promise<void> {
  const events = Array.from({ length: BLOCK }, () => ({ orderId: `warm-${randomUUID()}` }) as OrderEvent);
  for (const [phase, cpu, latency] of [
    ['first', into.firstCpuMs, into.firstLatencyMs],
    ['duplicate', into.duplicateCpuMs, into.duplicateLatencyMs],
  ] as const) {
    void phase;
    const before = process.cpuUsage();
    for (const event of events) {
      const start = performance.now();
      await invoke(event);
      latency.push(performance.now() - start);
    }
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000 / BLOCK);
  }
}

/** Requests one first call, one duplicate and one cached duplicate send, counted at a pass-through proxy. */
async function requests(contender: Contender, tableName: string, endpoint: string): Promise<[number, number, number]> {
  // Answering as DynamoDB does (the old item with a failed condition), so a duplicate's fallback read is not counted.
  const proxy = await new FaultProxy({ upstream: endpoint, returnOldItemKey: 'id' }).start();
  try {
    const cached = handlerFor(contender, tableName, proxy.endpoint, true);
    const event = { orderId: `count-${randomUUID()}` } as OrderEvent;
    const counts: number[] = [];
    for (let call = 0; call < 2; call++) {
      const before = proxy.log.length;
      await handlerFor(contender, tableName, proxy.endpoint)(event);
      counts.push(proxy.log.length - before);
    }
    await cached(event);
    const before = proxy.log.length;
    await cached(event);
    counts.push(proxy.log.length - before);
    return counts as [number, number, number];
  } finally {
    await proxy.stop();
  }
}

const ms = (value: number) => (value >= 10 ? value.toFixed(1) : value.toFixed(2));
const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;

async function main(): Promise<void> {
  const loadStart = loadavg()[0]!;
  const endpoint = await startEndpoint();
  const admin = benchClient(endpoint.url);
  const tables = {} as Record<Contender, string>;
  try {
    for (const contender of CONTENDERS) tables[contender] = await createTable(admin, contender);
    log('bundling');
    const bundles = {} as Record<Contender, Awaited<ReturnType<typeof bundle>>>;
    for (const contender of CONTENDERS) bundles[contender] = await bundle(contender);

    log(`cold start: ${COLD_RUNS} fresh processes each, alternating`);
    const cold = Object.fromEntries(CONTENDERS.map((contender) => [contender, [] as ColdRun[]])) as Record<Contender, ColdRun[]>;
    for (let run = -1; run < COLD_RUNS; run++) {
      const order = run % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      for (const contender of order) {
        const result = await coldRun(COLD_NODE, bundles[contender].file, {
          AWS_ENDPOINT_URL_DYNAMODB: endpoint.url,
          IDEMPOTENCY_TABLE: tables[contender],
        });
        if (run >= 0) cold[contender].push(result); // the first round warms the file cache
      }
    }

    log(`warm: ${ROUNDS} rounds of ${BLOCK} first calls and ${BLOCK} duplicates each, interleaved`);
    const handlers = Object.fromEntries(
      CONTENDERS.map((contender) => [contender, handlerFor(contender, tables[contender], endpoint.url)]),
    ) as Record<Contender, Invoke>;
    const warm = Object.fromEntries(
      CONTENDERS.map((contender) => [
        contender,
        { firstCpuMs: [], duplicateCpuMs: [], firstLatencyMs: [], duplicateLatencyMs: [] } as Warm,
      ]),
    ) as Record<Contender, Warm>;
    for (const contender of CONTENDERS)
      await warmBlock(handlers[contender], { firstCpuMs: [], duplicateCpuMs: [], firstLatencyMs: [], duplicateLatencyMs: [] });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      for (const contender of order) await warmBlock(handlers[contender], warm[contender]);
    }

    log('requests per invocation');
    const counted = {} as Record<Contender, [number, number, number]>;
    for (const contender of CONTENDERS) counted[contender] = await requests(contender, tables[contender], endpoint.url);

    const row = (contender: Contender) => {
      const c = cold[contender];
      const w = warm[contender];
      return {
        wall: median(c.map((r) => r.wallMs)),
        init: median(c.map((r) => r.initMs)),
        first: median(c.map((r) => r.firstMs)),
        bytes: bundles[contender].bytes,
        gzip: bundles[contender].gzipBytes,
        cpuFirst: median(w.firstCpuMs),
        cpuDuplicate: median(w.duplicateCpuMs),
        latencyFirst: median(w.firstLatencyMs),
        latencyDuplicate: median(w.duplicateLatencyMs),
        requests: counted[contender].join(' / '),
      };
    };
    const rows = Object.fromEntries(CONTENDERS.map((contender) => [contender, row(contender)])) as Record<
      Contender,
      ReturnType<typeof row>
    >;
    const pt = rows.powertools;
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load ${loadStart.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}; dynalite in a child process. Medians.`,
      `Cold start: ${COLD_RUNS} fresh \`node\` processes per handler on Node ${COLD_NODE_VERSION}, alternating; the same Middy handler bundled as NodejsFunction bundles it (esbuild, CommonJS, node22, minified, AWS SDK bundled). Init is \`require\` of the bundle; first invocation is a first call against dynalite, connection and credentials included.`,
      `Warm: each library's compiled JavaScript (ours built by esbuild, unminified; Powertools and the SDK from node_modules); ${ROUNDS} interleaved rounds of ${BLOCK} first calls then the same ${BLOCK} keys again (duplicates); CPU is this process's user + system time per invocation (the client side only).`,
      '',
      table(
        [
          '',
          'wall',
          'init',
          'first invocation',
          'bundle (gzip)',
          'CPU first call',
          'CPU duplicate',
          'latency first call',
          'latency duplicate',
          'requests first / duplicate / cached (as on DynamoDB)',
        ],
        CONTENDERS.map((contender) => {
          const r = rows[contender];
          return [
            LABELS[contender],
            `${ms(r.wall)} ms`,
            `${ms(r.init)} ms`,
            `${ms(r.first)} ms`,
            `${(r.bytes / 1024).toFixed(0)} KB (${(r.gzip / 1024).toFixed(0)} KB)`,
            `${ms(r.cpuFirst)} ms`,
            `${ms(r.cpuDuplicate)} ms`,
            `${ms(r.latencyFirst)} ms`,
            `${ms(r.latencyDuplicate)} ms`,
            r.requests,
          ];
        }),
        [0, 9],
      ),
      '',
      ...(['lean', 'sdk-client'] as const).map((contender) => {
        const r = rows[contender];
        return `${LABELS[contender]} vs Powertools: wall ${ratio(r.wall, pt.wall)}, init ${ratio(r.init, pt.init)}, first invocation ${ratio(r.first, pt.first)}, bundle ${ratio(r.bytes, pt.bytes)}, CPU ${ratio(r.cpuFirst, pt.cpuFirst)} / ${ratio(r.cpuDuplicate, pt.cpuDuplicate)}, latency ${ratio(r.latencyFirst, pt.latencyFirst)} / ${ratio(r.latencyDuplicate, pt.latencyDuplicate)}.`;
      }),
      'Targets of the lean transport (issue 22): wall ≤ 0.5x, init ≤ 0.2x, CPU ≤ 0.3x, latency ≤ 0.65x of Powertools. Reported as measured; the bench never fails.',
    ];
    const markdown = lines.join('\n');
    process.stdout.write(`${markdown}\n`);
    if (QUICK) return log('quick run: RESULTS.md left as it was');
    const file = new URL('./RESULTS.md', import.meta.url);
    const text = await readFile(file, 'utf8');
    const start = '<!-- transport:start -->';
    const end = '<!-- transport:end -->';
    const section = `${start}\n${markdown}\n${end}`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    // run.ts rewrites RESULTS.md whole: the section is then appended again, under its heading.
    await writeFile(
      file,
      from >= 0 && to > from
        ? `${text.slice(0, from)}${section}${text.slice(to + end.length)}`
        : `${text.trimEnd()}\n\n## DynamoDB transport: the store's own, an SDK client, and Powertools\n\n${section}\n`,
    );
    log('wrote its section of bench/RESULTS.md');
  } finally {
    await Promise.all(
      Object.values(tables).map((name) => admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)),
    );
    admin.destroy();
    await endpoint.stop();
  }
}

await main();
