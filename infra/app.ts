import { App } from 'aws-cdk-lib';
import { IdempotencySampleStack } from './sample-stack.js';
import { type ValkeyClientLibrary, valkeyClientLibraries } from './valkey-bundling.js';
import { ValkeyIdempotencyStack } from './valkey-cache.js';

// No `env`: the stack is environment-agnostic, so `cdk synth` needs no credentials and no lookups;
// `cdk deploy` targets the account and region of the caller's AWS profile.
const app = new App();
new IdempotencySampleStack(app, 'LambdaIdempotencySample', {
  description: 'lambda-idempotency sample: an idempotent HTTP API and an exactly-once SQS consumer',
});

// The Valkey sample only when asked for, with its client: `cdk deploy -c valkey=ioredis LambdaIdempotencyValkey`.
// It costs a VPC and an ElastiCache Serverless cache, so a plain `cdk deploy` leaves it out.
const valkey: unknown = app.node.tryGetContext('valkey');
if (valkey !== undefined) {
  if (!valkeyClientLibraries.includes(valkey as ValkeyClientLibrary))
    throw new Error(`-c valkey=${String(valkey)}: expected one of ${valkeyClientLibraries.join(', ')}.`);
  new ValkeyIdempotencyStack(app, 'LambdaIdempotencyValkey', {
    client: valkey as ValkeyClientLibrary,
    description: `lambda-idempotency sample: an idempotent function on ElastiCache Serverless Valkey, through ${valkey}`,
  });
}
app.synth();
