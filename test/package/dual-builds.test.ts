import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTable, type TestTable, testClient } from '../support/dynamodb.js';
import { installPackedApp, type PackedApp } from '../support/packed-app.js';

/**
 * Issue 20, item 3: one Lambda process reaching the package both ways (an ESM handler imports it, a
 * CommonJS helper package `require`s it) runs one library, unbundled on Node and bundled by esbuild.
 * The probe (fixtures/dual-builds.mjs) runs every scenario in one process and reports what happened.
 */
let app: PackedApp;
let table: TestTable;

const FIXTURES = new URL('./fixtures/', import.meta.url);
/** The outer adapters, as `<export>` or `<export>/<middy package>` (fixtures/dual-builds.mjs). */
const ADAPTERS = [
  'makeIdempotent',
  'idempotency/middy6',
  'idempotency/middy7',
  'httpIdempotency/middy6',
  'httpIdempotency/middy7',
  'idempotentBatch',
] as const;
const LOADERS = ['import', 'require'] as const;
/** Optional peers the core and observability entries must never pull into a bundle. */
const OPTIONAL_PEERS = /(^|\/)(aws-cdk-lib|constructs|@opentelemetry\/api|ioredis|iovalkey|redis|@valkey\/valkey-glide)(\/|$)/;
/** A message only makeIdempotent holds: how many copies of the library a bundle carries. */
const ONE_COPY_MARKER = 'makeIdempotent needs a function to wrap.';

interface Nested {
  charges: number;
  innerClaimWindowsMs: number[];
  caught: { name: string; instanceOfOuterClass: boolean }[];
  invocations: string[];
}

interface ProbeReport {
  nested: Record<string, Nested>;
  scope: Record<(typeof LOADERS)[number], string>;
  errors: { classes: string[]; mismatches: string[] };
  emf: Record<(typeof LOADERS)[number], number[]>;
}

interface Mode {
  readonly name: string;
  /** The file to run, after bundling it when `bundle` says how. */
  readonly file: string;
  readonly bundle?: readonly string[];
}

const MODES: readonly Mode[] = [
  { name: 'on Node, unbundled', file: 'dual-builds.mjs' },
  { name: 'bundled by esbuild as ESM', file: 'dual-builds.bundle.mjs', bundle: ['--format=esm'] },
  { name: 'bundled by esbuild as CommonJS', file: 'dual-builds.bundle.cjs', bundle: ['--format=cjs'] },
  // Custom conditions replace esbuild's defaults, `module` included: both ways then reach the CommonJS build.
  {
    name: 'bundled by esbuild as CommonJS with custom conditions',
    file: 'dual-builds.conditions.cjs',
    bundle: ['--format=cjs', '--conditions=lambda'],
  },
];

function runProbe(file: string): ProbeReport {
  const output = app.run(process.execPath, [file, ...ADAPTERS], {
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    IDEMPOTENCY_TABLE: table.name,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? 'null') as ProbeReport;
}

beforeAll(async () => {
  app = installPackedApp([
    '@aws-sdk/client-dynamodb@3',
    '@aws-sdk/util-dynamodb@3',
    'middy6@npm:@middy/core@6',
    'middy7@npm:@middy/core@7',
    'esbuild',
  ]);
  for (const file of ['dual-builds.mjs', 'dual-builds-helper.cjs']) copyFileSync(new URL(file, FIXTURES), join(app.dir, file));
  copyFileSync(new URL('../../events/http/function-url.json', import.meta.url), join(app.dir, 'function-url.json'));
  table = await createTable(testClient());
}, 600_000);

afterAll(async () => {
  await table?.drop();
  await app?.remove();
}, 120_000);

describe.each(MODES)('one library when a process both imports and requires the package, $name', (mode) => {
  let report: ProbeReport;
  beforeAll(() => {
    if (mode.bundle) app.bundle('dual-builds.mjs', mode.file, mode.bundle);
    report = runProbe(mode.file);
  }, 120_000);

  const combinations = ADAPTERS.flatMap((adapter) =>
    LOADERS.flatMap((outer) => LOADERS.map((inner) => ({ adapter, outer, inner }))),
  );
  it.each(combinations)(
    'an inner makeIdempotent ($inner) inside $adapter ($outer) claims for the invocation, charges once and throws the outer InProgressError',
    ({ adapter, outer, inner }) => {
      const nested = report.nested[`${adapter} ${outer} ${inner}`];
      // Both invocations' inner claims last their remaining time (30 s less what a loaded machine
      // took to get there), never the inner instance's own 300 ms.
      expect(Math.min(...(nested?.innerClaimWindowsMs ?? []))).toBeGreaterThan(20_000);
      expect(nested?.charges).toBe(1);
      expect(nested?.innerClaimWindowsMs).toHaveLength(2);
      expect(nested?.caught).toEqual([{ name: 'InProgressError', instanceOfOuterClass: true }]);
      expect(nested?.invocations[0]).toBe('returned');
    },
  );

  it.each(LOADERS)('refuses an unnamed second instance sharing the store when the first was loaded with %s', (loader) => {
    expect(report.scope[loader]).toBe('IdempotencyConfigError');
  });

  it('makes every exported error class one class, whichever way it was loaded', () => {
    expect(report.errors.classes).toContain('InProgressError');
    expect(report.errors.classes.length).toBeGreaterThanOrEqual(16);
    expect(report.errors.mismatches).toEqual([]);
  });

  it.each(LOADERS)('writes one EMF document for a batch of three run by idempotentBatch loaded with %s', (loader) => {
    expect(report.emf[loader]).toEqual([3]);
  });

  if (mode.bundle === undefined) return;
  it('bundles one copy of the library and no optional peer', () => {
    const bundle = readFileSync(join(app.dir, mode.file), 'utf8');
    expect(bundle.split(ONE_COPY_MARKER).length - 1).toBe(1);
    const meta = JSON.parse(readFileSync(join(app.dir, `${mode.file}.meta.json`), 'utf8')) as {
      inputs: Record<string, { imports: { path: string }[] }>;
    };
    const reached = Object.entries(meta.inputs).flatMap(([input, { imports }]) => [input, ...imports.map(({ path }) => path)]);
    expect(reached.filter((path) => OPTIONAL_PEERS.test(path.replace(/^.*node_modules\//, '')))).toEqual([]);
  });
});
