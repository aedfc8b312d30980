/**
 * The published package as a Lambda loads it: `npx tsx bench/package-load.ts [--runs N] [dir...]`.
 *
 * Packs each checkout given (default: this repository; each must be built), installs it into a
 * fresh app and prints, per checkout:
 * - the cold load of the core entry from node_modules, unbundled, in fresh processes: `import`,
 *   `require`, and both in one process (an ESM handler whose helper package requires it), the AWS
 *   SDK's DynamoDB client included, since the core entry loads it (`sdk-only` is that floor);
 * - the esbuild bundle (NodejsFunction's flags) of an ESM handler, and of the same handler with a
 *   CommonJS helper that requires the library: size, copies of the library in it, and its cold
 *   import (or why it does not load).
 *
 * Each load is timed in wall and CPU time, medians over the fresh processes, which alternate
 * between checkouts so machine load affects them alike. Unlike section 5 of bench/run.ts, which
 * bundles the sources through tsconfig paths, this reads what package.json "exports" resolves to,
 * so it compares the package's layouts across commits.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { installPackedApp, type PackedApp } from '../test/support/packed-app.js';
import { median } from './stats.js';

/** A message only makeIdempotent holds: how many copies of the library a bundle carries. */
const ONE_COPY_MARKER = 'makeIdempotent needs a function to wrap.';

const PROBES: Record<string, string> = {
  // The floor every handler pays and none of it ours: the core entry loads the DynamoDB client.
  'sdk-only.mjs': "await import('@aws-sdk/client-dynamodb');\nawait import('@aws-sdk/util-dynamodb');",
  'import.mjs': "await import('lambda-idempotency');",
  'require.cjs': "require('lambda-idempotency');",
  'both.mjs':
    "await import('lambda-idempotency');\n(await import('node:module')).createRequire(import.meta.url)('lambda-idempotency');",
};

const HANDLER = `import { DynamoDBStore, makeIdempotent } from 'lambda-idempotency';
const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE ?? 'idempotency' });
export const handler = makeIdempotent(async (event) => ({ orderId: event.orderId }), { store, key: 'orderId' });
`;
const HELPER = `const { makeIdempotent, DynamoDBStore } = require('lambda-idempotency');
const store = new DynamoDBStore({ tableName: 'idempotency' });
exports.charge = makeIdempotent(async (order) => ({ charged: order.id }), { store, key: 'id', name: 'charge' });
`;
const WITH_HELPER = `import { charge } from './helper.cjs';\n${HANDLER.replace('({ orderId: event.orderId })', 'charge({ id: event.orderId })')}`;

const BUNDLES = [
  { name: 'handler, esm', entry: 'handler.mjs', outfile: 'handler.bundle.mjs', format: 'esm' },
  { name: 'handler, cjs', entry: 'handler.mjs', outfile: 'handler.bundle.cjs', format: 'cjs' },
  { name: 'handler + CommonJS helper, esm', entry: 'with-helper.mjs', outfile: 'with-helper.bundle.mjs', format: 'esm' },
  { name: 'handler + CommonJS helper, cjs', entry: 'with-helper.mjs', outfile: 'with-helper.bundle.cjs', format: 'cjs' },
] as const;

interface Load {
  /** Wall time from before the first load to after the last. */
  readonly wallMs: number;
  /** CPU time (user + system) over the same span: less swayed by other processes on a shared machine. */
  readonly cpuMs: number;
}

/** One load of `file` in a fresh process; the error's first line when it fails. */
function loadOnce(app: PackedApp, file: string): Load | string {
  const probe = `const started = performance.now(); const cpu = process.cpuUsage();
await import(${JSON.stringify(`./${file}`)});
const { user, system } = process.cpuUsage(cpu);
console.log(JSON.stringify({ wallMs: performance.now() - started, cpuMs: (user + system) / 1000 }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: app.dir,
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' },
  });
  if (result.status !== 0) return (/Error: .*/.exec(result.stderr)?.[0] ?? result.stderr).slice(0, 120);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null') as Load;
}

function parseArguments(argv: readonly string[]): { runs: number; dirs: string[] } {
  const dirs = [...argv];
  const at = dirs.indexOf('--runs');
  const runs = at >= 0 ? Number(dirs.splice(at, 2)[1]) : 15;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer.');
  return { runs, dirs };
}

const { runs, dirs } = parseArguments(process.argv.slice(2));
const checkouts = dirs.length > 0 ? dirs : [undefined];
const apps = checkouts.map((packageDir) => {
  const app = installPackedApp(['@aws-sdk/client-dynamodb@3', '@aws-sdk/util-dynamodb@3', 'esbuild'], { packageDir });
  for (const [file, source] of Object.entries(PROBES)) app.write(file, source);
  app.write('handler.mjs', HANDLER);
  app.write('helper.cjs', HELPER);
  app.write('with-helper.mjs', WITH_HELPER);
  return { label: packageDir ?? 'this repository', app };
});

try {
  const files = [...Object.keys(PROBES), ...BUNDLES.map((bundle) => bundle.outfile)];
  const loads = apps.map(() => new Map(files.map((file) => [file, [] as Load[]])));
  const failures = apps.map(() => new Map<string, string>());
  for (const { app } of apps) {
    for (const bundle of BUNDLES) app.bundle(bundle.entry, bundle.outfile, [`--format=${bundle.format}`]);
  }
  // One discarded round warms the file system cache.
  for (let round = -1; round < runs; round++) {
    const order = round % 2 === 0 ? apps.map((_, index) => index) : apps.map((_, index) => apps.length - 1 - index);
    for (const index of order) {
      for (const file of files) {
        const load = loadOnce(apps[index]!.app, file);
        if (typeof load === 'string') failures[index]!.set(file, load);
        else if (round >= 0) loads[index]!.get(file)!.push(load);
      }
    }
  }
  const cold = (index: number, file: string) => {
    const failure = failures[index]!.get(file);
    if (failure !== undefined) return `${failure} | `;
    const measured = loads[index]!.get(file)!;
    const ms = (pick: (load: Load) => number) => `${median(measured.map(pick)).toFixed(1)} ms`;
    return `${ms((load) => load.wallMs)} | ${ms((load) => load.cpuMs)}`;
  };
  for (const [index, { label, app }] of apps.entries()) {
    console.log(`\n## ${label} (node ${process.versions.node}, medians of ${runs} fresh processes)\n`);
    console.log('| unbundled, from node_modules | cold load, wall | CPU |\n|---|---:|---:|');
    for (const file of Object.keys(PROBES)) console.log(`| ${file} | ${cold(index, file)} |`);
    console.log(
      '\n| esbuild bundle | bytes | gzip | copies of the library | cold import, wall | CPU |\n|---|---:|---:|---:|---:|---:|',
    );
    for (const bundle of BUNDLES) {
      const code = readFileSync(join(app.dir, bundle.outfile));
      const copies = code.toString('utf8').split(ONE_COPY_MARKER).length - 1;
      console.log(
        `| ${bundle.name} | ${code.byteLength} | ${gzipSync(code).byteLength} | ${copies} | ${cold(index, bundle.outfile)} |`,
      );
    }
  }
} finally {
  await Promise.all(apps.map(({ app }) => app.remove()));
}
