import { ADAPTERS, type LibraryId } from '../contenders.js';
import type { MeterTotals } from '../request-meter.js';
import type { BenchResults } from '../results.js';
import { PHASE_LABELS, PHASES } from '../scenarios/latency.js';
import { INVOCATION_KINDS, INVOCATION_LABELS, type RequestCounts } from '../scenarios/requests.js';
import { SDK_FLOOR_LABELS, SDK_FLOORS, type SdkFloor } from '../scenarios/sdk-floor.js';
import { medianRatioInterval, summarize } from '../stats.js';

const OURS = 'lambda-idempotency';
const PT = 'Powertools';

/** The floor design.md sets: requests per invocation on DynamoDB (old item returned with a failed condition). */
const REQUEST_FLOOR: Record<(typeof INVOCATION_KINDS)[number], number> = { first: 2, duplicate: 1, cacheHit: 0, failed: 2 };

/**
 * A markdown table padded the way the repository's formatter (Biome) lays tables out, so the
 * generated RESULTS.md passes `npm run lint` as written: `textColumns` left-aligned, the others
 * (figures) right-aligned.
 */
export function table(header: string[], rows: string[][], textColumns: readonly number[] = [0]): string {
  const widths = header.map((cell, column) => Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const left = (column: number) => textColumns.includes(column);
  const pad = (cell: string, column: number) => (left(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((width, column) => (left(column) ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`));
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map((row) => line(header.map((_, column) => row[column] ?? '')))].join(
    '\n',
  );
}

function significant(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(Math.min(decimals, 4));
}

function ratio(ours: number, theirs: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return ours === theirs ? '1.00×' : 'n/a';
  return `${(ours / theirs).toFixed(2)}×`;
}

function bytes(value: number | undefined): string {
  if (value === undefined) return 'none';
  return value >= 10_240 ? `${(value / 1024).toFixed(1)} KB` : `${value} B`;
}

function capacity(totals: MeterTotals): string {
  const reads = totals.readUnits === 0 ? '' : ` + ${totals.readUnits} RCU`;
  return `${totals.writeUnits} WCU${reads}`;
}

function operations(totals: MeterTotals): string {
  const list = Object.entries(totals.byOperation).map(([name, count]) => (count > 1 ? `${count}×${name}` : name));
  return `${totals.requests}${list.length ? ` (${list.join(', ')})` : ''}`;
}

/** Both libraries' rows for one latency-like sample set: medians, p99s and ours/Powertools ratios. */
function latencyTable(samples: BenchResults['latency'], unit: 'ms' | 'µs'): string {
  const scale = unit === 'µs' ? 1000 : 1;
  const rows: string[][] = [];
  for (const adapter of ADAPTERS) {
    for (const phase of PHASES) {
      const ours = summarize(samples[adapter][phase].ours);
      const theirs = summarize(samples[adapter][phase].powertools);
      rows.push([
        `${adapter === 'middy' ? 'Middy' : 'wrapper'}: ${PHASE_LABELS[phase]}`,
        significant(ours.median * scale),
        significant(theirs.median * scale),
        ratio(ours.median, theirs.median),
        interval(samples[adapter][phase].ours, samples[adapter][phase].powertools),
        significant(ours.p99 * scale),
        significant(theirs.p99 * scale),
        ratio(ours.p99, theirs.p99),
        String(ours.count),
      ]);
    }
  }
  return table(
    [
      'invocation',
      `${OURS} median ${unit}`,
      `${PT} median ${unit}`,
      'ratio',
      '95% interval',
      `${OURS} p99 ${unit}`,
      `${PT} p99 ${unit}`,
      'ratio',
      'samples each',
    ],
    rows,
  );
}

/** The bootstrap interval of the median ratio, as `0.85–0.97`. */
function interval(ours: readonly number[], theirs: readonly number[]): string {
  const [low, high] = medianRatioInterval(ours, theirs);
  return Number.isFinite(low) ? `${low.toFixed(2)}–${high.toFixed(2)}` : 'n/a';
}

function requestsTable(counts: RequestCounts): string {
  return table(
    ['invocation', `${OURS} requests`, `${PT} requests`, `${OURS} capacity`, `${PT} capacity`, 'WCU ratio'],
    INVOCATION_KINDS.map((kind) => {
      const ours = counts[kind].ours;
      const theirs = counts[kind].powertools;
      return [
        INVOCATION_LABELS[kind],
        operations(ours),
        operations(theirs),
        capacity(ours),
        capacity(theirs),
        ratio(ours.writeUnits, theirs.writeUnits),
      ];
    }),
    [0, 1, 2],
  );
}

function sizedTable(results: BenchResults): string {
  const rows: string[][] = [];
  for (const { resultBytes, samples } of results.cpuBySize) {
    for (const phase of PHASES) {
      const ours = summarize(samples.middy[phase].ours);
      const theirs = summarize(samples.middy[phase].powertools);
      rows.push([
        `${bytes(resultBytes)}: ${PHASE_LABELS[phase]}`,
        significant(ours.median * 1000),
        significant(theirs.median * 1000),
        ratio(ours.median, theirs.median),
        significant(ours.p99 * 1000),
        significant(theirs.p99 * 1000),
      ]);
    }
  }
  return table(['result: invocation', `${OURS} median µs`, `${PT} median µs`, 'ratio', `${OURS} p99 µs`, `${PT} p99 µs`], rows);
}

function sdkFloorTable(results: BenchResults): string {
  const floor = (kind: SdkFloor) => summarize(results.sdkFloor[kind]);
  const rows: string[][] = SDK_FLOORS.map((kind) => [
    `AWS SDK alone: ${SDK_FLOOR_LABELS[kind]}`,
    significant(floor(kind).median * 1000),
    significant(floor(kind).p99 * 1000),
  ]);
  for (const adapter of ADAPTERS) {
    const ours = summarize(results.cpu[adapter].first.ours).median - floor('client').median;
    const theirs = summarize(results.cpu[adapter].first.powertools).median - floor('client').median;
    rows.push([
      `${adapter === 'middy' ? 'Middy' : 'wrapper'} first call above the SDK: ${OURS} / ${PT} (ratio ${ratio(ours, theirs)})`,
      `${significant(ours * 1000)} / ${significant(theirs * 1000)}`,
      '',
    ]);
  }
  return table(['client-side work', 'median µs', 'p99 µs'], rows);
}

interface TargetRow {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

export function evaluateTargets(results: BenchResults): TargetRow[] {
  const latencyRatios: string[] = [];
  let latencyMet = true;
  for (const adapter of ADAPTERS) {
    for (const phase of PHASES) {
      const ours = results.latency[adapter][phase].ours;
      const theirs = results.latency[adapter][phase].powertools;
      const value = summarize(ours).median / summarize(theirs).median;
      latencyMet &&= value <= 0.9;
      latencyRatios.push(
        `${adapter === 'middy' ? 'Middy' : 'wrapper'} ${PHASE_LABELS[phase]} ${value.toFixed(2)}× (${interval(ours, theirs)})`,
      );
    }
  }
  const floorMisses = INVOCATION_KINDS.filter((kind) => results.requests.dynamodb[kind].ours.requests !== REQUEST_FLOOR[kind]);
  const bundleRatio = results.bundles.ours.bytes / results.bundles.powertools.bytes;
  const twenty = (library: LibraryId) => results.storage[library].find((outcome) => outcome.targetBytes === 20 * 1024);
  const storedRatio = (twenty('ours')?.storedBytes ?? Number.NaN) / (twenty('powertools')?.storedBytes ?? Number.NaN);
  return [
    {
      target: 'latency ≤ 0.9× Powertools (median ratio and its 95% interval, every row of table 1)',
      figure: latencyRatios.join('; '),
      met: latencyMet,
    },
    {
      target: 'requests at the floor of design.md (2 / 1 / 0 / 2)',
      figure: INVOCATION_KINDS.map((kind) => `${INVOCATION_LABELS[kind]} ${results.requests.dynamodb[kind].ours.requests}`).join(
        '; ',
      ),
      met: floorMisses.length === 0,
    },
    {
      target: 'bundle ≤ 1/3 of Powertools (minified)',
      figure: `${bytes(results.bundles.ours.bytes)} vs ${bytes(results.bundles.powertools.bytes)} = ${bundleRatio.toFixed(2)}×`,
      met: bundleRatio <= 1 / 3,
    },
    {
      target: 'bytes stored for a 20 KB result ≤ 1/3 of Powertools',
      figure: `${bytes(twenty('ours')?.storedBytes)} vs ${bytes(twenty('powertools')?.storedBytes)} = ${storedRatio.toFixed(2)}×`,
      met: storedRatio <= 1 / 3,
    },
  ];
}

export function renderMarkdown(results: BenchResults, svgFile: string, cpuSvgFile?: string): string {
  const { environment: env, config } = results;
  const storageRows: string[][] = results.storage.ours.map((ours, index) => {
    const theirs = results.storage.powertools[index]!;
    return [
      `${bytes(ours.resultBytes)}${ours.adapter === 'wrapper' ? ', wrapper' : ''}`,
      bytes(ours.storedBytes),
      bytes(theirs.storedBytes),
      // Only two stored results compare: a claim left behind by a failed write is not a record of the result.
      ours.status === 'COMPLETED' && theirs.status === 'COMPLETED' ? ratio(ours.storedBytes!, theirs.storedBytes!) : 'n/a',
      `${capacity(ours.firstCallCost)} / ${capacity(ours.duplicateCost)}`,
      `${capacity(theirs.firstCallCost)} / ${capacity(theirs.duplicateCost)}`,
      `${ours.firstCall}, ${ours.status ?? 'no record'}; duplicate: ${ours.duplicate}`,
      `${theirs.firstCall}, ${theirs.status ?? 'no record'}; duplicate: ${theirs.duplicate}`,
    ];
  });
  const bundleRows = (['ours', 'powertools'] as const).map((id) => {
    const figures = results.bundles[id];
    const own = figures.bytes - results.bundles.baseline.bytes;
    return [
      id === 'ours' ? OURS : PT,
      bytes(figures.bytes),
      bytes(figures.gzipBytes),
      bytes(own),
      significant(figures.importMs),
      significant(figures.processMs),
    ];
  });
  const baseline = results.bundles.baseline;
  bundleRows.push([
    'ratio',
    ratio(results.bundles.ours.bytes, results.bundles.powertools.bytes),
    ratio(results.bundles.ours.gzipBytes, results.bundles.powertools.gzipBytes),
    ratio(results.bundles.ours.bytes - baseline.bytes, results.bundles.powertools.bytes - baseline.bytes),
    ratio(results.bundles.ours.importMs, results.bundles.powertools.importMs),
    ratio(results.bundles.ours.processMs, results.bundles.powertools.processMs),
  ]);
  bundleRows.push([
    'Middy alone (baseline)',
    bytes(baseline.bytes),
    bytes(baseline.gzipBytes),
    '',
    significant(baseline.importMs),
    significant(baseline.processMs),
  ]);
  const throughputRows = Object.entries(results.throughput).map(([concurrency, figures]) => [
    concurrency,
    significant(figures.ours.perSecond),
    significant(figures.powertools.perSecond),
    ratio(figures.ours.perSecond, figures.powertools.perSecond),
  ]);
  const targets = evaluateTargets(results);

  return `# Benchmark: lambda-idempotency vs Powertools idempotency

Generated by \`npm run bench\` (bench/run.ts); every figure below is what that run printed.

- Date: ${env.date}; run time ${results.durationSeconds.toFixed(0)} s
- Machine: ${env.os}, ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB; Node.js ${env.node}; load average (1 min)
  ${results.load.start.toFixed(2)} at the start, ${results.load.end.toFixed(2)} at the end
- Versions: ${Object.entries(env.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}; lambda-idempotency at commit ${env.commit}
- Endpoint: ${results.endpoint}
- Both libraries wrap the same handler and receive the same events, through Middy 7 and through their own
  \`makeIdempotent\`, each with its default table layout (partition key \`id\`) in its own table on the same endpoint,
  the idempotency key selected by \`orderId\` (\`key: 'orderId'\` / \`eventKeyJmesPath: 'orderId'\`), a one-hour window,
  and every other option at its default (so Powertools hashes with md5, ours with sha256; local caches hold 1000 /
  256 records by default; a local-cache hit is timed right after the call that filled the cache). Ratios are
  ${OURS} / ${PT}: below 1 is better for latency, requests, capacity, bytes, size and time; above 1 is better for
  throughput.

## Targets

${table(
  ['target', 'figure', 'result'],
  targets.map((row) => [row.target, row.figure, row.met ? 'met' : '**missed**']),
  [0, 1, 2],
)}

## 1. Latency per invocation (against the endpoint)

Wall-clock time of one invocation as the Lambda runtime would call it, an order confirmation of about ${config.latency.resultBytes} bytes of JSON as the result.
${config.latency.rounds} rounds of ${config.latency.keysPerRound} keys per adapter after ${config.latency.warmupRounds} discarded
warm-up round(s); within a round each key runs through both libraries back to back, the first one alternating. The 95%
interval of the median ratio is a bootstrap over both samples. On dynalite a
duplicate costs both libraries a PutItem and a GetItem (dynalite does not return the old item with a failed condition).
Distributions: [${svgFile}](${svgFile}).

${latencyTable(results.latency, 'ms')}

## 2. DynamoDB requests and capacity per invocation

Counted on the wire by an SDK middleware; capacity units derived from the sizes of the items involved (DynamoDB's item size
rules; a write costs 1 WCU per started KB of the larger of the item before and after, failed conditions included, a delete
the deleted item's size, a strongly consistent read 1 RCU per started 4 KB). The same result of about ${config.latency.resultBytes} bytes, through Middy.

On DynamoDB semantics (the in-process double, which returns the old item with a failed condition as DynamoDB does):

${requestsTable(results.requests.dynamodb)}

On the benchmark endpoint (${results.endpoint}):

${requestsTable(results.requests.endpoint)}

## 3. Bytes stored per record

Realistic order JSON (varied names, SKUs, prices, timestamps from a seeded generator) of each size; the record read back raw
and sized by DynamoDB's item size rules. Capacity: first call / duplicate, on the benchmark endpoint. Through Middy, and a result too large for one item also
through each library's wrapper (\`makeIdempotent\`). Outcome: what the first call did, the record's status afterwards,
and what a duplicate got.

${table(
  ['result', `${OURS} record`, `${PT} record`, 'ratio', `${OURS} capacity`, `${PT} capacity`, `${OURS} outcome`, `${PT} outcome`],
  storageRows,
  [0, 6, 7],
)}

## 4. CPU time of the library alone

The same invocations against a zero-latency DynamoDB double inside the process (plugged in as the SDK's HTTP handler: it
evaluates the same condition and update expressions and returns the old item with a failed condition); the time spent inside
the double is subtracted, so what remains is the client side: the library and the SDK work it asks for (marshalling,
serialization, signing, parsing). ${config.cpu.rounds} rounds of ${config.cpu.keysPerRound} keys after ${config.cpu.warmupRounds} discarded.${cpuSvgFile ? ` Distributions: [${cpuSvgFile}](${cpuSvgFile}).` : ''}

${latencyTable(results.cpu, 'µs')}

The AWS SDK alone, for the same two requests of a first call (a conditional PutItem, an UpdateItem with the same JSON
text), and what each library adds on top of the client it sends through (first call's median minus that floor):

${sdkFloorTable(results)}

Larger results, through Middy (${config.cpuBySize.rounds} rounds of ${config.cpuBySize.keysPerRound} keys after ${config.cpuBySize.warmupRounds} discarded):
ours serializes to JSON and compresses above 1 KB; Powertools marshals the object into a DynamoDB map.

${sizedTable(results)}

## 5. Bundle size and cold import

A minimal Middy handler using each library (bench/fixtures), bundled by esbuild (minified, ESM, node20, \`@aws-sdk/*\` external
as on Lambda). "Own bytes" subtracts the same handler with Middy alone. Import: median of ${config.importSpawns} fresh \`node\`
processes per bundle (alternating), time to import the bundle (AWS SDK included) and whole process wall time.

${table(['bundle', 'minified', 'gzip', 'own bytes', 'import ms', 'process ms'], bundleRows)}

## 6. Throughput

First calls on distinct keys through Middy, \`concurrency\` callers back to back in one process, ${config.throughput.runs} run(s) of
${config.throughput.runMs} ms per library and concurrency, alternating; median invocations per second. Both libraries
make the same requests per first call, so once the single endpoint process saturates, the ratio tends to 1.

${table(['concurrency', `${OURS} /s`, `${PT} /s`, 'ratio'], throughputRows)}

## 7. Diagnostics of lambda-idempotency

Not a comparison: figures behind choices this library makes, measured in the same run.

A result just under 1 KB of JSON with the default \`compressAboveBytes\` (1024) and a lower threshold (against the double):

${table(
  ['compressAboveBytes', 'result', 'record', 'first call', 'duplicate'],
  results.diagnostics.thresholds.map((row) => [
    String(row.compressAboveBytes),
    bytes(row.resultBytes),
    bytes(row.recordBytes),
    `${row.firstCallWcu} WCU`,
    `${row.duplicateWcu} WCU`,
  ]),
)}

Brotli quality (the library uses 1 below 4 KB, 5 above) on the same order JSON; a duplicate read from the table
decompresses and parses, a local-cache hit (which keeps the text uncompressed) only parses (medians of ${config.diagnostics.iterations} runs):

${table(
  ['result', 'quality', 'compressed', 'compress µs', 'decompress µs', 'JSON.parse µs'],
  results.diagnostics.codec.map((row) => [
    bytes(row.resultBytes),
    String(row.quality),
    bytes(row.compressedBytes),
    significant(row.compressUs),
    significant(row.decompressUs),
    significant(row.parseUs),
  ]),
)}

Importing \`@aws-sdk/lib-dynamodb\` (the document client, which the store no longer sends through) once \`@aws-sdk/client-dynamodb\` is
loaded: ${significant(results.diagnostics.documentClientImportMs)} ms (median of ${config.diagnostics.spawns} fresh processes).
`;
}
