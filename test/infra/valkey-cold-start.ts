/**
 * What each client's deployable asset costs at cold start: `npx tsx test/infra/valkey-cold-start.ts`.
 * Synthesizes the sample Valkey stack once per client (real bundling, this machine's architecture),
 * then imports the asset's index.mjs in fresh node processes against a local Redis Cluster and
 * prints the asset's size and the import's duration (loading the bundle, and for glide its native
 * library, then connecting: the handler connects at import). Node's own start is printed apart.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { valkeyClientLibraries } from '../../infra/valkey-bundling.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { assemblyDirectory, synthesizeValkeySample } from './valkey-asset.js';

const runs = 15;

function bytesUnder(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((total, entry) => total + bytesUnder(join(path, entry)), 0);
}

function median(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)})`;
}

const cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 0, durable: false });
const seed = cluster.seeds[0]!;
const lines: string[] = [];
try {
  for (const client of valkeyClientLibraries) {
    const outdir = assemblyDirectory();
    try {
      const architecture = process.arch === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
      const fn = synthesizeValkeySample(outdir, client, architecture);
      const bundle = join(fn.assetDirectory, 'index.mjs');
      const timings: number[] = [];
      for (let run = 0; run < runs; run++) {
        const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t); process.exit(0);`;
        const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: fn.assetDirectory,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, CACHE_URL: `redis://${seed.host}:${seed.port}` },
        });
        if (child.status !== 0) throw new Error(`${client}: ${child.stderr}`);
        timings.push(Number(child.stdout.trim()));
      }
      const asset = (bytesUnder(fn.assetDirectory) / 1024 / 1024).toFixed(1);
      const index = (statSync(bundle).size / 1024).toFixed(0);
      lines.push(`${client}: asset ${asset} MiB (index.mjs ${index} KiB); import ${median(timings)}`);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  const starts: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    starts.push(performance.now() - start);
  }
  lines.push(`node -e 0 (process start alone): ${median(starts)}`);
} finally {
  await cluster.stop();
}
console.log(`\n${lines.join('\n')}\n(${runs} fresh processes each, Node ${process.versions.node}, ${process.arch})`);
