/**
 * `npm run dev [-- --port 3000] [-- --store valkey]`: serves the payments sample on localhost the
 * way API Gateway's HTTP API would (like `sam local start-api`), against the embedded DynamoDB or
 * AWS_ENDPOINT_URL_DYNAMODB. With `--store valkey` (`npm run dev:valkey`) its idempotency records
 * live in Valkey instead: an embedded redis-server, or REDIS_URL; the payments stay in DynamoDB.
 * The port comes from `--port`, then PORT, then 3000; 0 picks a free one.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { sampleFunctionDefinitions } from '../infra/sample-functions.js';
import { paymentsTableDefinition } from '../infra/tables.js';
import { createPaymentsApi } from '../samples/payments/payments-api.js';
import { PaymentsTable } from '../samples/payments/payments-table.js';
import { startDevServer } from './dev-server.js';
import { describeEndpoint, type LocalEnvironment, prepareLocalEnvironment } from './local-environment.js';
import { loadSampleHandler } from './local-functions.js';
import { describeValkey, type LocalValkey, startLocalValkey } from './local-valkey.js';
import { tableName } from './sample-tables.js';

type PaymentsHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2<unknown>>;

function portFrom(argv: readonly string[]): number {
  const flag = argv.indexOf('--port');
  const text = flag >= 0 ? argv[flag + 1] : (argv.find((arg) => /^\d+$/.test(arg)) ?? process.env.PORT ?? '3000');
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Not a port: ${text}`);
  return port;
}

function storeFrom(argv: readonly string[]): 'dynamodb' | 'valkey' {
  const flag = argv.indexOf('--store');
  const store = flag >= 0 ? argv[flag + 1] : 'dynamodb';
  if (store !== 'dynamodb' && store !== 'valkey') throw new Error(`--store is dynamodb or valkey, not ${store}`);
  return store;
}

/** The sample's own wiring (samples/payments/handler.ts), with the idempotency store swapped for Valkey. */
function paymentsOverValkey(environment: LocalEnvironment, valkey: LocalValkey): PaymentsHandler {
  const payments = new PaymentsTable(
    DynamoDBDocumentClient.from(environment.client),
    tableName(environment.tables, paymentsTableDefinition),
  );
  return createPaymentsApi({ store: valkey.store, payments }) as unknown as PaymentsHandler;
}

const argv = process.argv.slice(2);
const port = portFrom(argv);
const storeKind = storeFrom(argv);
const environment = await prepareLocalEnvironment({ tablePrefix: 'lambda-idempotency-dev', honourTableVariables: true });
let valkey: LocalValkey | undefined;
if (storeKind === 'valkey') valkey = await startLocalValkey().catch(closeAndExit);
const payments: PaymentsHandler = valkey
  ? paymentsOverValkey(environment, valkey)
  : ((await loadSampleHandler('payments')) as unknown as PaymentsHandler);
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
  if (error.code !== 'EADDRINUSE') {
    await closeAll();
    throw error;
  }
  return closeAndExit(new Error(`Port ${port} is in use: run npm run dev -- --port <another port> (0 picks a free one).`));
});

const stores = valkey
  ? `idempotency records in ${describeValkey(valkey)}, payments in ${describeEndpoint(environment.dynamodb)}`
  : describeEndpoint(environment.dynamodb);
console.log(
  [
    `Payments API listening on ${server.url} (${stores})`,
    '  POST /payments   needs an Idempotency-Key header',
    'Try:',
    `  curl -i -X POST ${server.url}/payments -H 'Idempotency-Key: 6f1c2a9e-order-1001' \\`,
    `    -H 'Content-Type: application/json' -d '{"amount":2500,"currency":"EUR","customerId":"customer-17"}'`,
    'Ctrl-C stops it.',
  ].join('\n'),
);

async function closeAll(): Promise<void> {
  await valkey?.close();
  await environment.close();
}

async function closeAndExit(error: Error): Promise<never> {
  await closeAll();
  console.error(error.message);
  process.exit(1);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  await closeAll();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
