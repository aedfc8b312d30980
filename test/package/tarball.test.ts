import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { createTable, type TestTable, testClient } from '../support/dynamodb.js';
import { installPackedApp, type PackedApp } from '../support/packed-app.js';

/**
 * The package as a user gets it: `npm pack`, installed into a fresh app with its peers from the
 * registry, bundled the way CDK's NodejsFunction bundles, and run in separate Node processes.
 */
const root = new URL('../..', import.meta.url).pathname;
let app: PackedApp;
let table: TestTable;

/** The package's entry points (package.json "exports"). */
const SUBPATHS = [
  'lambda-idempotency',
  'lambda-idempotency/engine',
  'lambda-idempotency/cdk',
  'lambda-idempotency/valkey',
  'lambda-idempotency/observability',
];

function run(command: string, args: readonly string[], env: Record<string, string> = {}): string {
  return app.run(command, args, env);
}

/** One invocation of a handler module in its own process, as a Lambda cold start is. */
function invoke(module: string, event: object, loader: 'require' | 'import'): unknown {
  const load =
    loader === 'require'
      ? `(await import('node:module')).createRequire(process.cwd() + '/')(${JSON.stringify(module)})`
      : `await import(${JSON.stringify(module)})`;
  const script = `
    const { handler } = ${load};
    const context = { functionName: 'orders', awsRequestId: 'r-' + process.pid, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders',
      functionVersion: '$LATEST', memoryLimitInMB: '128', logGroupName: '/aws/lambda/orders', logStreamName: 's', callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 30000, done() {}, fail() {}, succeed() {} };
    console.log(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
  const output = run(process.execPath, ['--input-type=module', '-e', script], {
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_LAMBDA_FUNCTION_NAME: 'orders',
    IDEMPOTENCY_TABLE: table.name,
  });
  return JSON.parse(output.trim().split('\n').at(-1) ?? 'null');
}

// What a team writes: Powertools' pattern, an anonymous arrow wrapped at module level.
function handlerSource(build: string, extra = ''): string {
  return `import { DynamoDBStore, makeIdempotent } from 'lambda-idempotency';
${extra}
const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE });
export const handler = makeIdempotent(async (event, context) => {
  return { orderId: event.orderId, build: ${JSON.stringify(build)}, pid: process.pid, request: context.awsRequestId };
}, { store, key: 'orderId' });
`;
}

/** Bundles `<name>.mjs` into `<name>.cjs` as CDK's NodejsFunction does, and returns the bundle. */
function bundleAsLambda(name: string): string {
  return app.bundle(`${name}.mjs`, `${name}.cjs`, ['--format=cjs']);
}

beforeAll(async () => {
  app = installPackedApp(['@aws-sdk/client-dynamodb@3', '@aws-sdk/util-dynamodb@3', 'aws-cdk-lib@2', 'constructs@10', 'esbuild']);
  table = await createTable(testClient());
}, 600_000);

afterAll(async () => {
  await table?.drop();
  await app?.remove();
}, 120_000);

describe('the packed tarball in a fresh app', () => {
  it('gives import and require one implementation: every export of every entry is the same object', () => {
    const script = `
      const require = (await import('node:module')).createRequire(process.cwd() + '/');
      const report = {};
      for (const subpath of ${JSON.stringify(SUBPATHS)}) {
        const required = require(subpath);
        const imported = await import(subpath);
        const names = Object.keys(required);
        report[subpath] = {
          names: names.length,
          different: names.filter((name) => imported[name] !== required[name]),
          importOnly: Object.keys(imported).filter((name) => !(name in required)),
        };
      }
      console.log(JSON.stringify(report));`;
    const report = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script])) as Record<
      string,
      { names: number; different: string[]; importOnly: string[] }
    >;
    for (const subpath of SUBPATHS) {
      expect(report[subpath]?.names, subpath).toBeGreaterThan(0);
      expect(report[subpath], subpath).toMatchObject({ different: [], importOnly: [] });
    }
  });

  it('links a static named import of every export of every entry', () => {
    const names = JSON.parse(
      run(process.execPath, [
        '-e',
        `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(SUBPATHS)}.map((s) => [s, Object.keys(require(s))]))))`,
      ]),
    ) as Record<string, string[]>;
    // A missing name fails the link with a SyntaxError before any line runs.
    const imports = SUBPATHS.map(
      (subpath, index) =>
        `import { ${names[subpath]?.map((name) => `${name} as ${name}_${index}`).join(', ')} } from '${subpath}';`,
    );
    app.write('static-imports.mjs', `${imports.join('\n')}\nconsole.log(typeof makeIdempotent_0);\n`);
    expect(run(process.execPath, ['static-imports.mjs']).trim()).toBe('function');
  });

  it('gives TypeScript one declaration of each export, whether an ESM or a CommonJS module names it', () => {
    app.write('helper.cts', "import library = require('lambda-idempotency');\nexport { library };\n");
    app.write(
      'consumer.mts',
      `import { DynamoDBStore, InProgressError, makeIdempotent } from 'lambda-idempotency';
import { emfMetrics } from 'lambda-idempotency/observability';
import helper = require('./helper.cjs');

// A class with private fields is nominal: two declarations of DynamoDBStore would not mix.
const required: InstanceType<typeof helper.library.DynamoDBStore> = new DynamoDBStore({ tableName: 'orders' });
export const imported: DynamoDBStore = new helper.library.DynamoDBStore({ tableName: 'orders' });
const charge = makeIdempotent(async (order: { id: string }) => ({ charged: order.id }), { store: required, key: 'id', onOutcome: emfMetrics() });
export const charged: Promise<{ charged: string }> = charge({ id: 'order-1' });
export const inProgress: typeof helper.library.InProgressError = InProgressError;
// @ts-expect-error the wrapped function keeps its parameter type
charge({ id: 1 });
`,
    );
    const compilerOptions = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    };
    app.write('tsconfig.json', JSON.stringify({ compilerOptions, files: ['consumer.mts', 'helper.cts'] }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: app.dir,
      encoding: 'utf8',
    });
    expect(tsc.stdout).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs the CLI bin against the store', () => {
    const inspect = spawnSync(
      join(app.dir, 'node_modules/.bin/lambda-idempotency'),
      ['inspect', '--table', table.name, '--function', 'orders', '--key', 'never-written'],
      { cwd: app.dir, encoding: 'utf8', env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint') } },
    );
    expect(inspect.stderr).toContain('No record');
    expect(inspect.status).toBe(ExitCode.notFound);
  });

  it('never loads aws-cdk-lib from the core entry, imported or required', () => {
    const script = `
      const require = (await import('node:module')).createRequire(process.cwd() + '/');
      await import('lambda-idempotency');
      require('lambda-idempotency');
      console.log(Object.keys(require.cache).filter((file) => /node_modules\\/(aws-cdk-lib|constructs)\\//.test(file)).length);`;
    expect(run(process.execPath, ['--input-type=module', '-e', script]).trim()).toBe('0');
  });

  it('loads only the built-in modules a store needs at setup: none for compression or file credentials, TLS only for https', () => {
    const script = `
      const require = (await import('node:module')).createRequire(process.cwd() + '/');
      const loaded = (before) => process.moduleLoadList.filter((entry) => !before.has(entry) && /^NativeModule (zlib|tls|https|http|fs\\/promises)$/.test(entry)).map((entry) => entry.slice(13));
      const before = new Set(process.moduleLoadList);
      const { DynamoDBStore } = await import('lambda-idempotency');
      require('lambda-idempotency');
      new DynamoDBStore({ tableName: 'orders', endpoint: 'http://127.0.0.1:8000' });
      const plain = loaded(before);
      new DynamoDBStore({ tableName: 'orders', endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' });
      console.log(JSON.stringify({ plain, secure: loaded(before) }));`;
    const { plain, secure } = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script]).trim()) as Record<
      string,
      string[]
    >;
    expect(plain).toEqual(['http']);
    expect(secure).toEqual(expect.arrayContaining(['http', 'tls', 'https']));
    expect(secure).not.toContain('zlib');
    expect(secure).not.toContain('fs/promises');
  });

  it('loads an anonymous wrapped handler and replays its result to a retry in another process', () => {
    app.write('handler.mjs', handlerSource('plain'));
    const first = invoke('./handler.mjs', { orderId: 'anonymous-1' }, 'import') as { pid: number; build: string };
    const retry = invoke('./handler.mjs', { orderId: 'anonymous-1' }, 'import');
    expect(first.build).toBe('plain');
    expect(retry).toEqual(first);
  });

  it('replays across two different minified CommonJS builds of one function', () => {
    app.write('v1.mjs', handlerSource('v1'));
    app.write(
      'v2.mjs',
      handlerSource(
        'v2',
        'export function auditTrail(entry) { return ["audit", entry].join(":"); }\nconsole.log(auditTrail("loaded"));',
      ),
    );
    for (const version of ['v1', 'v2']) bundleAsLambda(version);
    const first = invoke('./v1.cjs', { orderId: 'deploy-1' }, 'require') as { build: string };
    const afterDeploy = invoke('./v2.cjs', { orderId: 'deploy-1' }, 'require');
    expect(first.build).toBe('v1');
    expect(afterDeploy).toEqual(first);
  });

  it('reports the outcomes of a bundled handler to a function passed as onOutcome', () => {
    app.write(
      'observed.mjs',
      handlerSource('observed').replace(
        "{ store, key: 'orderId' }",
        "{ store, key: 'orderId', onOutcome: (outcome) => console.log(JSON.stringify({ outcome: outcome.kind })) }",
      ),
    );
    bundleAsLambda('observed');
    const script = `
      const { handler } = require('./observed.cjs');
      const context = { functionName: 'orders', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 30000 };
      handler({ orderId: 'observed-1' }, context).then(() => handler({ orderId: 'observed-1' }, context));`;
    const lines = run(process.execPath, ['-e', script], {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      AWS_LAMBDA_FUNCTION_NAME: 'orders',
      IDEMPOTENCY_TABLE: table.name,
    });
    expect(lines.trim().split('\n')).toEqual([JSON.stringify({ outcome: 'executed' }), JSON.stringify({ outcome: 'replayed' })]);
  });

  it('bundles a handler with no AWS SDK in it, which replays against dynalite where no SDK can be found', () => {
    app.write('lean.mjs', handlerSource('lean'));
    // No --external: anything the handler could reach of the SDK would land in the bundle.
    const isolated = mkdtempSync(join(tmpdir(), 'lambda-idempotency-lean-'));
    const bundles: Record<string, string> = {};
    for (const format of ['cjs', 'esm'] as const) {
      const outfile = join(isolated, format === 'cjs' ? 'lean.cjs' : 'lean.mjs');
      run(join(app.dir, 'node_modules/.bin/esbuild'), [
        'lean.mjs',
        '--bundle',
        '--minify',
        '--platform=node',
        '--target=node20',
        `--format=${format}`,
        `--outfile=${outfile}`,
      ]);
      bundles[format] = readFileSync(outfile, 'utf8');
    }
    for (const code of Object.values(bundles)) {
      // Marks of the SDK's code: its middleware stack and its protocol layer (our messages may name the packages).
      expect(code).not.toContain('middlewareStack');
      expect(code).not.toContain('resolveMiddleware');
      expect(code).not.toContain('AwsJson1_0Protocol');
      expect(code.length).toBeLessThan(60_000);
    }
    // Outside the app: no node_modules anywhere above, so nothing but the bundle and Node itself.
    const inIsolation = (module: string, event: object) => {
      const script = `
        const { handler } = await import(${JSON.stringify(module)});
        const context = { functionName: 'orders', awsRequestId: 'r', getRemainingTimeInMillis: () => 30000 };
        console.log(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: isolated,
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
          AWS_LAMBDA_FUNCTION_NAME: 'orders',
          IDEMPOTENCY_TABLE: table.name,
        },
      });
      return JSON.parse(output.trim().split('\n').at(-1) ?? 'null') as { pid: number; build: string };
    };
    const first = inIsolation(join(isolated, 'lean.cjs'), { orderId: 'lean-1' });
    const retry = inIsolation(join(isolated, 'lean.mjs'), { orderId: 'lean-1' });
    expect(first.build).toBe('lean');
    expect(retry).toEqual(first);
  });

  it('sends through a client the handler passes, the SDK loaded from the app', () => {
    const script = `
      const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
      const { DynamoDBStore, makeIdempotent } = require('lambda-idempotency');
      const client = new DynamoDBClient({});
      let sent = 0;
      client.middlewareStack.add((next) => (args) => { sent++; return next(args); }, { step: 'initialize' });
      const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE, client });
      const once = makeIdempotent(async (event) => ({ id: event.orderId, pid: process.pid }), { store, key: 'orderId' });
      (async () => {
        const first = await once({ orderId: 'client-1' });
        const again = await once({ orderId: 'client-1' });
        console.log(JSON.stringify({ same: first.pid === again.pid, sent }));
      })();`;
    const output = run(process.execPath, ['-e', script], {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      IDEMPOTENCY_TABLE: table.name,
    });
    // First call: PutItem and UpdateItem; duplicate: PutItem and, on dynalite, the fallback GetItem.
    expect(JSON.parse(output.trim())).toEqual({ same: true, sent: 4 });
  });

  it('takes a sink loaded with import in an engine loaded with require', () => {
    const script = `
      const { makeIdempotent, DynamoDBStore } = require('lambda-idempotency');
      import('lambda-idempotency/observability').then(async ({ outcomeLog }) => {
        const kinds = [];
        const record = (fields) => kinds.push(fields.idempotencyOutcome);
        const logger = { debug: record, info: record, warn: record, error: record };
        const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE });
        const once = makeIdempotent(async (event) => ({ id: event.orderId }), {
          store, key: 'orderId', onOutcome: outcomeLog({ logger, style: 'fields-first', level: 'debug' }),
        });
        await once({ orderId: 'mixed-builds-1' });
        await once({ orderId: 'mixed-builds-1' });
        console.log(JSON.stringify(kinds));
      });`;
    const output = run(process.execPath, ['-e', script], {
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      IDEMPOTENCY_TABLE: table.name,
    });
    expect(JSON.parse(output.trim())).toEqual(['executed', 'replayed']);
  });

  it('maps an error under --enable-source-maps to the TypeScript line, and quotes it from the inlined text', () => {
    app.write('misconfigured.cjs', "require('lambda-idempotency').makeIdempotent(async () => 1, { key: 'id' });\n");
    const crash = spawnSync(process.execPath, ['--enable-source-maps', 'misconfigured.cjs'], { cwd: app.dir, encoding: 'utf8' });
    expect(crash.status).not.toBe(0);
    // src/ is not in the package: Node can quote the throwing line only from the map's sourcesContent.
    expect(crash.stderr).toMatch(
      /node_modules\/lambda-idempotency\/src\/engine\/validate-options\.ts:\d+\n\s*throw new IdempotencyConfigError\(/,
    );
    expect(crash.stderr).toMatch(
      /at (Object\.)?makeIdempotent \(.*node_modules\/lambda-idempotency\/src\/wrapper\/make-idempotent\.ts:\d+:\d+\)/,
    );
  });

  it("gives a bundle built with a source map the library's TypeScript, text included", () => {
    app.write('mapped.mjs', handlerSource('mapped'));
    app.bundle('mapped.mjs', 'mapped.cjs', ['--format=cjs', '--sourcemap']);
    const map = JSON.parse(readFileSync(join(app.dir, 'mapped.cjs.map'), 'utf8')) as {
      sources: string[];
      sourcesContent: (string | null)[];
    };
    const library = map.sources
      .map((source, index) => ({ source, text: map.sourcesContent[index] }))
      .filter(({ source }) => source.includes('lambda-idempotency/src/'));
    expect(library.length).toBeGreaterThan(10);
    expect(library.filter(({ text }) => typeof text !== 'string' || text === '').map(({ source }) => source)).toEqual([]);
    const wrapper = library.find(({ source }) => source.endsWith('src/wrapper/make-idempotent.ts'));
    expect(wrapper?.text).toContain('export function makeIdempotent');
  });

  it('synthesizes the IdempotencyTable from lambda-idempotency/cdk with TTL and point-in-time recovery', () => {
    const script = `
      const { App, Stack } = require('aws-cdk-lib');
      const { IdempotencyTable } = require('lambda-idempotency/cdk');
      const app = new App({ outdir: 'cdk.out' });
      new IdempotencyTable(new Stack(app, 'Consumer'), 'Idempotency');
      const template = app.synth().getStackByName('Consumer').template;
      console.log(JSON.stringify(Object.values(template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::GlobalTable')));`;
    const tables = JSON.parse(run(process.execPath, ['-e', script]).trim()) as {
      Properties: { TimeToLiveSpecification: unknown; Replicas: { PointInTimeRecoverySpecification: unknown }[] };
      DeletionPolicy: string;
    }[];
    expect(tables).toHaveLength(1);
    expect(tables[0]?.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(tables[0]?.Properties.Replicas[0]?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(tables[0]?.DeletionPolicy).toBe('Retain');
  }, 120_000); // loading aws-cdk-lib in a fresh process
});
