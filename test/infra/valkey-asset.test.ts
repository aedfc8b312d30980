import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ValkeyClientLibrary, valkeyClientLibraries, valkeySampleEntry } from '../../infra/valkey-bundling.js';
import { clusterAvailability, type RedisCluster, startRedisCluster } from '../support/redis-cluster.js';
import { titled } from '../support/redis-server.js';
import { assemblyDirectory, elfMachine, runAsLambda, synthesizeValkeySample } from './valkey-asset.js';

/**
 * The sample Valkey stack, synthesized with real bundling as `cdk deploy` would, then its asset
 * loaded as the Lambda Node.js runtime loads it and invoked against a local Redis Cluster
 * (ElastiCache Serverless is cluster-mode only, so the handlers use cluster clients).
 */
const availability = clusterAvailability();
const hostArchitecture = process.arch === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
const hostPackage = process.arch === 'arm64' ? 'valkey-glide-linux-arm64-gnu' : 'valkey-glide-linux-x64-gnu';
const outdirs: string[] = [];
const newAssembly = () => {
  const outdir = assemblyDirectory();
  outdirs.push(outdir);
  return outdir;
};
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

describe(titled('the sample Valkey function, loaded from its synthesized asset as Lambda loads it', availability), () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    if (availability.available) cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 0, durable: false });
  }, 60_000);
  afterAll(async () => cluster?.stop());

  /** Every record in the cluster: its key and its status line. */
  async function records(): Promise<{ key: string; status: string | undefined }[]> {
    const found = [];
    for (const node of await cluster.primaries()) {
      for (const key of await node.admin.keys('idempotency:*')) {
        found.push({ key, status: (await node.admin.get(key))?.split('\n')[1] });
      }
    }
    return found;
  }

  it.skipIf(!availability.available).each(valkeyClientLibraries)(
    '%s: the asset loads, an invocation runs once, its retry replays, over a cluster client',
    async (client: ValkeyClientLibrary) => {
      for (const node of await cluster.primaries()) await node.admin.flushall();
      const fn = synthesizeValkeySample(newAssembly(), client, hostArchitecture);
      expect(fn.handler).toBe('index.handler');
      const seed = cluster.seeds[0]!;
      const run = runAsLambda(fn, { CACHE_URL: `redis://${seed.host}:${seed.port}` }, [
        { event: { orderId: `${client}-1001` } },
        // Later than the first by more than a millisecond: a second execution would show another createdAt.
        { event: { orderId: `${client}-1001` }, pauseMs: 20 },
        { event: { orderId: `${client}-1002` }, pauseMs: 20 },
      ]);
      if (!run.loaded) expect.fail(`the asset did not load: ${run.error.code ?? ''} ${run.error.message}`);
      expect(run).toMatchObject({ file: join(fn.assetDirectory, 'index.mjs'), how: 'import' });
      const files = readdirSync(fn.assetDirectory).sort();
      if (client === 'valkey-glide') {
        // Left out of the bundle, installed by npm with the native package of this platform only.
        expect(files).toEqual(['index.mjs', 'node_modules', 'package-lock.json', 'package.json']);
        expect(readdirSync(join(fn.assetDirectory, 'node_modules/@valkey')).sort()).toEqual(['valkey-glide', hostPackage]);
      } else {
        // Everything bundled: the asset is one ES module.
        expect(files).toEqual(['index.mjs']);
      }

      const [first, retry, other] = run.invocations;
      expect(first).toEqual({
        result: { orderId: `${client}-1001`, status: 'created', createdAt: expect.stringMatching(/^\d{4}-/) },
      });
      expect(retry).toEqual(first);
      expect(other).toEqual({ result: expect.objectContaining({ orderId: `${client}-1002`, status: 'created' }) });
      expect(other).not.toEqual(first);
      expect((await records()).map((record) => record.status)).toEqual(['COMPLETED', 'COMPLETED']);
    },
    180_000,
  );
});

describe('the sample Valkey function: what its bundling guards against', () => {
  it('the iovalkey handler is the ioredis handler imported from iovalkey (one recipe, kept in step)', () => {
    const source = (client: ValkeyClientLibrary) => readFileSync(valkeySampleEntry(client), 'utf8');
    expect(source('iovalkey')).toBe(source('ioredis').replace("from 'ioredis'", "from 'iovalkey'"));
  });

  it('valkey-glide for the other architecture: the asset holds that native package only, built for that machine', () => {
    const other =
      process.arch === 'arm64'
        ? { architecture: Architecture.X86_64, package: 'valkey-glide-linux-x64-gnu', machine: 62 }
        : { architecture: Architecture.ARM_64, package: 'valkey-glide-linux-arm64-gnu', machine: 183 };
    const fn = synthesizeValkeySample(newAssembly(), 'valkey-glide', other.architecture);
    const valkeyPackages = join(fn.assetDirectory, 'node_modules/@valkey');
    expect(readdirSync(valkeyPackages).sort()).toEqual(['valkey-glide', other.package]);
    const [addon] = readdirSync(join(valkeyPackages, other.package)).filter((file) => file.endsWith('.node'));
    expect(elfMachine(join(valkeyPackages, other.package, addon!))).toBe(other.machine);
  }, 180_000);

  it("NodejsFunction's default output (CommonJS) refuses the handler's top-level await", async () => {
    const stack = new Stack(new App({ outdir: newAssembly() }), 'DefaultBundling');
    const entry = valkeySampleEntry('ioredis');
    expect(() => new NodejsFunction(stack, 'CreateOrder', { entry, runtime: Runtime.NODEJS_22_X })).toThrow(/Failed to bundle/);
    // Why, in esbuild's words (NodejsFunction runs esbuild with no --format: CommonJS on Node).
    const bundled = build({ entryPoints: [entry], bundle: true, platform: 'node', write: false, logLevel: 'silent' });
    await expect(bundled).rejects.toThrow(/Top-level await is currently not supported with the "cjs" output format/);
  });
});
