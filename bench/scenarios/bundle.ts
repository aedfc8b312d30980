import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { median } from '../stats.js';

export const BUNDLES = ['baseline', 'ours', 'powertools'] as const;
export type BundleId = (typeof BUNDLES)[number];

export interface BundleFigures {
  /** Minified ESM bundle, AWS SDK external. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median time to import the bundle in a fresh `node` process (module graph, SDK included). */
  readonly importMs: number;
  /** Median wall time of the whole process: start, import, exit. */
  readonly processMs: number;
  readonly importRuns: number[];
}

export type BundleResults = Record<BundleId, BundleFigures>;

const FIXTURES = new URL('../fixtures/', import.meta.url);
/** Inside the project's node_modules, so the external AWS SDK resolves from the bundle. */
const OUTPUT = new URL('../../node_modules/.cache/lambda-idempotency-bench/', import.meta.url);

const IMPORT_PROBE = `
const started = performance.now();
await import(process.env.BENCH_IMPORT);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));
`;

/**
 * Bundles the same minimal Middy handler three ways (no idempotency, ours, Powertools) with
 * esbuild, minified, `@aws-sdk/*` external as on Lambda, then imports each bundle in `spawns`
 * fresh processes, alternating bundles so machine load hits all alike.
 */
export async function measureBundles(spawns: number): Promise<BundleResults> {
  await mkdir(OUTPUT, { recursive: true });
  const sizes = {} as Record<BundleId, { bytes: number; gzipBytes: number; url: string }>;
  for (const id of BUNDLES) {
    const output = await build({
      entryPoints: [fileURLToPath(new URL(`${id}-handler.ts`, FIXTURES))],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@aws-sdk/*'],
      write: false,
      logLevel: 'silent',
    });
    const code = output.outputFiles[0]!.contents;
    const file = new URL(`${id}-handler.mjs`, OUTPUT);
    await writeFile(file, code);
    sizes[id] = { bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, url: pathToFileURL(fileURLToPath(file)).href };
  }
  const imports = Object.fromEntries(BUNDLES.map((id) => [id, [] as number[]])) as Record<BundleId, number[]>;
  const processes = Object.fromEntries(BUNDLES.map((id) => [id, [] as number[]])) as Record<BundleId, number[]>;
  // One discarded spawn each warms the file system cache.
  for (let index = -1; index < spawns; index++) {
    const order = index % 2 === 0 ? BUNDLES : [...BUNDLES].reverse();
    for (const id of order) {
      const { importMs, processMs } = await importInFreshProcess(sizes[id].url);
      if (index < 0) continue;
      imports[id].push(importMs);
      processes[id].push(processMs);
    }
  }
  return Object.fromEntries(
    BUNDLES.map((id) => [
      id,
      {
        bytes: sizes[id].bytes,
        gzipBytes: sizes[id].gzipBytes,
        importMs: median(imports[id]),
        processMs: median(processes[id]),
        importRuns: imports[id],
      },
    ]),
  ) as BundleResults;
}

function importInFreshProcess(url: string): Promise<{ importMs: number; processMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE], {
      env: { ...process.env, BENCH_IMPORT: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`importing ${url} failed (exit ${code}): ${stderr}`));
      resolve({ importMs: (JSON.parse(stdout) as { importMs: number }).importMs, processMs });
    });
  });
}
