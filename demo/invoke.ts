/**
 * `npm run invoke -- <function> <event.json> [more events...]`: runs one sample function's real
 * handler on each event in turn, in one process, and prints each result. Several events in one
 * call share the tables, so `payments-first.json payments-duplicate.json` shows the replay.
 * Uses the embedded DynamoDB, or AWS_ENDPOINT_URL_DYNAMODB (where tables persist between calls).
 */
import { readFile } from 'node:fs/promises';
import { sampleFunctionDefinitions } from '../infra/sample-functions.js';
import { localLambdaContext } from './lambda-context.js';
import { describeEndpoint, prepareLocalEnvironment } from './local-environment.js';
import { isSampleFunctionName, loadSampleHandler, sampleFunctionNames } from './local-functions.js';

const usage = `usage: npm run invoke -- <${sampleFunctionNames.join('|')}> <event.json> [more events...]`;
const [name, ...files] = process.argv.slice(2);
if (!name || !isSampleFunctionName(name) || files.length === 0) {
  console.error(usage);
  process.exit(2);
}

const events = await Promise.all(
  files.map(async (file) => {
    try {
      return { file, event: JSON.parse(await readFile(file, 'utf8')) as never };
    } catch (error) {
      console.error(`Cannot read the event ${file}: ${(error as Error).message}\n${usage}`);
      process.exit(2);
    }
  }),
);

const environment = await prepareLocalEnvironment({ tablePrefix: 'lambda-idempotency-invoke', honourTableVariables: true });
let failed = false;
try {
  console.error(`# ${name} on ${describeEndpoint(environment.dynamodb)}`);
  const handler = await loadSampleHandler(name);
  for (const { file, event } of events) {
    const context = localLambdaContext(name, sampleFunctionDefinitions[name].timeoutSeconds * 1000);
    console.error(`# ${file}`);
    try {
      const result = await handler(event, context);
      console.log(JSON.stringify(result ?? null, null, 2));
    } catch (error) {
      failed = true;
      console.log(JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }, null, 2));
    }
  }
} finally {
  await environment.close();
}
process.exit(failed ? 1 : 0);
