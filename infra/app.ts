import { App } from 'aws-cdk-lib';
import { IdempotencySampleStack } from './sample-stack.js';

// No `env`: the stack is environment-agnostic, so `cdk synth` needs no credentials and no lookups;
// `cdk deploy` targets the account and region of the caller's AWS profile.
const app = new App();
new IdempotencySampleStack(app, 'LambdaIdempotencySample', {
  description: 'lambda-idempotency sample: an idempotent HTTP API and an exactly-once SQS consumer',
});
app.synth();
