import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStore, makeIdempotent } from 'lambda-idempotency';
import { itemSize, type WireItem } from '../item-size.js';
import { type Peek, RequestMeter } from '../request-meter.js';
import { median } from '../stats.js';
import { lambdaContext, type OrderEvent, orderEvent, orderResult } from '../workload.js';

/** Where lambda-idempotency's own choices cost time or capacity: figures to decide on, not a comparison. */
export interface Diagnostics {
  /** A result just under 1 KB of JSON, stored with the default compression threshold and a lower one. */
  readonly thresholds: readonly {
    readonly compressAboveBytes: number;
    readonly resultBytes: number;
    readonly recordBytes: number;
    readonly firstCallWcu: number;
    readonly duplicateWcu: number;
  }[];
  /** Brotli qualities on realistic JSON, and what a local-cache hit re-does (decompress, parse). */
  readonly codec: readonly {
    readonly resultBytes: number;
    readonly quality: number;
    readonly compressedBytes: number;
    readonly compressUs: number;
    readonly decompressUs: number;
    readonly parseUs: number;
  }[];
  /** Median extra import time of @aws-sdk/lib-dynamodb once @aws-sdk/client-dynamodb is loaded (fresh processes). */
  readonly documentClientImportMs: number;
}

export interface DiagnosticsTarget {
  readonly client: () => DynamoDBClient;
  readonly tableName: string;
  readonly peek: Peek;
}

/** The quality src/engine/result-codec.ts uses; the others are the alternatives weighed against it. */
const QUALITIES = [5, 3, 1];

export async function measureDiagnostics(target: DiagnosticsTarget, spawns: number, iterations: number): Promise<Diagnostics> {
  const thresholds: Diagnostics['thresholds'][number][] = [];
  for (const compressAboveBytes of [1024, 512]) {
    const client = target.client();
    const meter = new RequestMeter();
    meter.attach(client, target.peek);
    const event = orderEvent();
    const result = orderResult(event.orderId, 1024, 1024);
    const store = new DynamoDBStore({ tableName: target.tableName, client });
    const invoke = makeIdempotent(
      async function confirmOrder(_event: OrderEvent, _context: unknown) {
        return result;
      },
      { store, key: 'orderId', compressAboveBytes },
    );
    await invoke(event, lambdaContext());
    const firstCallWcu = meter.totals().writeUnits;
    meter.reset();
    await invoke(event, lambdaContext());
    const duplicateWcu = meter.totals().writeUnits;
    const record = (await target.peek(target.tableName, meter.lastKey()!)) as WireItem;
    thresholds.push({
      compressAboveBytes,
      resultBytes: Buffer.byteLength(JSON.stringify(result)),
      recordBytes: itemSize(record),
      firstCallWcu,
      duplicateWcu,
    });
  }

  const codec: Diagnostics['codec'][number][] = [];
  for (const size of [20 * 1024, 200 * 1024]) {
    const text = JSON.stringify(orderResult('order-diagnostics', size, size));
    for (const quality of QUALITIES) {
      const compress = () =>
        brotliCompressSync(text, {
          params: {
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_QUALITY]: quality,
            [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
          },
        });
      const compressed = compress();
      codec.push({
        resultBytes: Buffer.byteLength(text),
        quality,
        compressedBytes: compressed.byteLength,
        compressUs: timeMicroseconds(compress, iterations),
        decompressUs: timeMicroseconds(() => brotliDecompressSync(compressed).toString('utf8'), iterations),
        parseUs: timeMicroseconds(() => JSON.parse(text), iterations),
      });
    }
  }

  const imports: number[] = [];
  for (let index = 0; index < spawns; index++) imports.push(await documentClientImportTime());
  return { thresholds, codec, documentClientImportMs: median(imports) };
}

/** Median of single runs after one discarded, in microseconds. */
function timeMicroseconds(work: () => unknown, iterations: number): number {
  work();
  const runs: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const started = performance.now();
    work();
    runs.push((performance.now() - started) * 1000);
  }
  return median(runs);
}

const IMPORT_PROBE = `
await import('@aws-sdk/client-dynamodb');
await import('@aws-sdk/util-dynamodb');
const started = performance.now();
await import('@aws-sdk/lib-dynamodb');
process.stdout.write(String(performance.now() - started));
`;

function documentClientImportTime(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(Number(output)) : reject(new Error(`import probe exited with ${code}`))));
  });
}
