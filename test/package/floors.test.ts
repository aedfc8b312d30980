import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedApp, type PackedApp } from '../support/packed-app.js';

/**
 * The packed tarball in an app at the oldest versions it declares: aws-cdk-lib and constructs at
 * the floor of their peer ranges (read from package.json, so the test follows the declaration),
 * and a TypeScript project on `lib: ["es2020"]` that checks every declaration file it loads.
 */
const root = new URL('../..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
};

/** The lowest version a caret range admits: `^2.211.0` is 2.211.0. */
function floorOf(peer: string): string {
  const range = manifest.peerDependencies[peer];
  const floor = /^\^(\d+\.\d+\.\d+)$/.exec(range ?? '')?.[1];
  if (floor === undefined) throw new Error(`peerDependencies["${peer}"] is "${range}", not a caret range this test can read`);
  return floor;
}

const CDK_FLOOR = floorOf('aws-cdk-lib');
const CONSTRUCTS_FLOOR = floorOf('constructs');

/** The package's entry points (package.json "exports"). */
const ENTRIES = {
  core: 'lambda-idempotency',
  engine: 'lambda-idempotency/engine',
  cdk: 'lambda-idempotency/cdk',
  valkey: 'lambda-idempotency/valkey',
  observability: 'lambda-idempotency/observability',
};

let app: PackedApp;

beforeAll(async () => {
  app = installPackedApp([
    `aws-cdk-lib@${CDK_FLOOR}`,
    `constructs@${CONSTRUCTS_FLOOR}`,
    '@aws-sdk/client-dynamodb@3',
    '@aws-sdk/util-dynamodb@3',
    '@types/node@20',
  ]);
}, 600_000);

afterAll(async () => {
  await app?.remove();
}, 120_000);

describe(`aws-cdk-lib at the declared floor (${CDK_FLOOR})`, () => {
  it('installs beside the package without a peer conflict, at that exact version', () => {
    const installed = app.run(process.execPath, ['-p', "require('aws-cdk-lib/package.json').version"]).trim();
    expect(installed).toBe(CDK_FLOOR);
  });

  it('synthesizes IdempotencyTable (a strongly consistent global table) and IdempotencyMonitoring', () => {
    const script = `
      const { App, Stack, Duration } = require('aws-cdk-lib');
      const { MultiRegionConsistency } = require('aws-cdk-lib/aws-dynamodb');
      const { Role, ServicePrincipal } = require('aws-cdk-lib/aws-iam');
      const { IdempotencyTable, IdempotencyMonitoring } = require('lambda-idempotency/cdk');
      const app = new App({ outdir: 'cdk.out' });
      const stack = new Stack(app, 'Floor', { env: { region: 'us-east-1', account: '123456789012' } });
      const table = new IdempotencyTable(stack, 'Idempotency', {
        replication: { regions: ['us-east-2', 'us-west-2'], consistency: MultiRegionConsistency.STRONG },
      });
      table.grantIdempotency(new Role(stack, 'Fn', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
      new IdempotencyMonitoring(stack, 'Monitoring', {
        functions: [{ function: { functionName: 'orders' } }],
        alarms: { storeErrors: 1, inProgressRefusalsPerMinute: 5 },
      });
      console.log(JSON.stringify(app.synth().getStackByName('Floor').template));`;
    const template = JSON.parse(app.run(process.execPath, ['-e', script])) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;
    };
    const ofType = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

    const [table] = ofType('AWS::DynamoDB::GlobalTable');
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      // Below 2.211.0 TableV2 has no multiRegionConsistency: the table would deploy eventually consistent.
      MultiRegionConsistency: 'STRONG',
    });
    const replicas = table?.Properties.Replicas as { Region: string; PointInTimeRecoverySpecification: unknown }[];
    expect(replicas.map((replica) => replica.Region).sort()).toEqual(['us-east-1', 'us-east-2', 'us-west-2']);
    for (const replica of replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
    const actions = ofType('AWS::IAM::Policy').flatMap((policy) =>
      (policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (statement) => statement.Action,
      ),
    );
    expect(actions.sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    expect(ofType('AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties.Threshold)).toEqual([1, 5]);
  }, 120_000); // loading aws-cdk-lib in a fresh process
});

/** One TypeScript file per way a consumer compiles: ESM and CommonJS under Node's resolution, and a bundler's. */
const USES = `
import type { Context } from 'aws-lambda';
const store = new core.DynamoDBStore({ tableName: 'orders' });
export const charge = core.makeIdempotent(async (order: { id: string }, _context: Context) => ({ charged: order.id }), {
  store,
  key: 'id',
  onOutcome: observability.emfMetrics(),
});
// The errors take a cause without ES2022's ErrorOptions in the consumer's lib.
export const failure: core.StoreError = new core.StoreError('GetItem failed', 'GetItem', { cause: new Error('throttled') });
export const cdkEntry: typeof cdk.IdempotencyTable = cdk.IdempotencyTable;
export const valkeyEntry: typeof valkey.ValkeyStore = valkey.ValkeyStore;
export const engineEntry: typeof engine.createIdempotencyEngine = engine.createIdempotencyEngine;
`;
const ESM_IMPORTS = Object.entries(ENTRIES)
  .map(([name, specifier]) => `import * as ${name} from '${specifier}';`)
  .join('\n');
const CJS_IMPORTS = Object.entries(ENTRIES)
  .map(([name, specifier]) => `import ${name} = require('${specifier}');`)
  .join('\n');

// node16 resolves as nodenext does (the same conditions and file extensions); each check loads
// all of aws-cdk-lib's declarations, so the two Node modes share one project.
const PROJECTS = [
  { name: 'nodenext', module: 'nodenext', moduleResolution: 'nodenext', files: ['consumer.mts', 'consumer.cts'] },
  { name: 'bundler', module: 'esnext', moduleResolution: 'bundler', files: ['consumer.ts'] },
] as const;

describe('the type declarations in a strict consumer on lib es2020 that checks every .d.ts', () => {
  it.each(PROJECTS)(
    'compile with module resolution $name, importing every entry',
    (project) => {
      app.write('consumer.mts', `${ESM_IMPORTS}\n${USES}`);
      app.write('consumer.cts', `${CJS_IMPORTS}\n${USES}`);
      app.write('consumer.ts', `${ESM_IMPORTS}\n${USES}`);
      const compilerOptions = {
        lib: ['es2020'],
        target: 'es2020',
        module: project.module,
        moduleResolution: project.moduleResolution,
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      };
      const config = `tsconfig.${project.name}.json`;
      app.write(config, JSON.stringify({ compilerOptions, files: project.files }));
      const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', config], {
        cwd: app.dir,
        encoding: 'utf8',
      });
      expect(tsc.stdout).toBe('');
      expect(tsc.status).toBe(0);
    },
    120_000,
  ); // checking aws-cdk-lib's declarations too
});
