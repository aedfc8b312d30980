/**
 * `npm run dev [-- --port 3000]`: serves the payments sample on localhost the way API Gateway's
 * HTTP API would (like `sam local start-api`), against the embedded DynamoDB or
 * AWS_ENDPOINT_URL_DYNAMODB. The port comes from `--port`, then PORT, then 3000; 0 picks a free one.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { sampleFunctionDefinitions } from '../infra/sample-functions.js';
import { startDevServer } from './dev-server.js';
import { describeEndpoint, prepareLocalEnvironment } from './local-environment.js';
import { loadSampleHandler } from './local-functions.js';

function portFrom(argv: readonly string[]): number {
  const flag = argv.indexOf('--port');
  const text = flag >= 0 ? argv[flag + 1] : (argv.find((arg) => /^\d+$/.test(arg)) ?? process.env.PORT ?? '3000');
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Not a port: ${text}`);
  return port;
}

const port = portFrom(process.argv.slice(2));
const environment = await prepareLocalEnvironment({ tablePrefix: 'lambda-idempotency-dev', honourTableVariables: true });
const payments = (await loadSampleHandler('payments')) as unknown as (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2<unknown>>;
const server = await startDevServer({
  port,
  integrations: [
    {
      route: { method: 'POST', path: '/payments' },
      functionName: 'payments',
      timeoutMs: sampleFunctionDefinitions.payments.timeoutSeconds * 1000,
      handler: payments,
    },
  ],
  log: (line) => console.log(line),
}).catch(async (error: NodeJS.ErrnoException) => {
  await environment.close();
  if (error.code !== 'EADDRINUSE') throw error;
  console.error(`Port ${port} is in use: run npm run dev -- --port <another port> (0 picks a free one).`);
  process.exit(1);
});

console.log(
  [
    `Payments API listening on ${server.url} (${describeEndpoint(environment.dynamodb)})`,
    '  POST /payments   needs an Idempotency-Key header',
    'Try:',
    `  curl -i -X POST ${server.url}/payments -H 'Idempotency-Key: 6f1c2a9e-order-1001' \\`,
    `    -H 'Content-Type: application/json' -d '{"amount":2500,"currency":"EUR","customerId":"customer-17"}'`,
    'Ctrl-C stops it.',
  ].join('\n'),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  await environment.close();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
