import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { SampleFunctionDefinition } from './sample-functions.js';

/**
 * A sample Lambda function bundled by esbuild on this machine (no Docker): Node.js 22 on arm64,
 * ESM, minified, with source maps so stack traces point at the TypeScript sources. Each table of
 * its definition reaches it as an environment variable holding the table's name.
 */
export class SampleFunction extends NodejsFunction {
  constructor(scope: Construct, definition: SampleFunctionDefinition, tableNames: ReadonlyMap<string, string>) {
    const environment: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps' };
    for (const table of definition.tables) {
      const name = tableNames.get(table.id);
      if (!name) throw new Error(`${definition.id} needs table ${table.id}, which the stack does not define.`);
      environment[table.environmentVariable] = name;
    }
    super(scope, definition.id, {
      entry: definition.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(definition.timeoutSeconds),
      environment,
      logGroup: new LogGroup(scope, `${definition.id}Logs`, {
        retention: RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Bundle the AWS SDK too instead of using the runtime's copy: the version that was tested is
        // the version that runs, and esbuild keeps only the DynamoDB parts.
        bundleAwsSDK: true,
      },
    });
  }
}
