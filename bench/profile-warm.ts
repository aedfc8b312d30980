import './quiet-sdk.js';
import { randomUUID } from 'node:crypto';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import middy from 'middy-core-7';
import { startEndpoint } from './dynalite-process.js';
import { benchClient, createTable } from './dynamodb.js';
import { BENCH_FUNCTION_NAME, lambdaContext, type OrderEvent } from './workload.js';

/**
 * Warm path of one contender in a loop, for a CPU profile of the client side alone:
 * `npm run build && node --cpu-prof --import tsx bench/profile-warm.ts [lean|powertools] [blocks]`. dynalite runs
 * in a child process, so its CPU is not in this process's profile. Prints CPU per invocation
 * (first call, duplicate) over the measured blocks; the first block warms up.
 */
// The built package (`npm run build` first), as a function runs it: not our sources through tsx.
const { DynamoDBStore, idempotency } = (await import(
  new URL('../dist/esm/index.js', import.meta.url).href
)) as typeof import('lambda-idempotency');
process.env.AWS_LAMBDA_FUNCTION_NAME = BENCH_FUNCTION_NAME;
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_REGION ??= 'us-east-1';
const contender = process.argv[2] ?? 'lean';
const BLOCKS = Number(process.argv[3] ?? 20);
const BLOCK = 100;

const endpoint = await startEndpoint();
const admin = benchClient(endpoint.url);
const tableName = await createTable(admin, `profile-${contender}`);
try {
  const business = async (event: OrderEvent) => ({ orderId: event.orderId, status: 'created' });
  const context = lambdaContext();
  const handler =
    contender === 'powertools'
      ? middy(business).use(
          makeHandlerIdempotent({
            persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: benchClient(endpoint.url) }),
            config: new IdempotencyConfig({ eventKeyJmesPath: 'orderId' }),
          }),
        )
      : middy(business).use(
          idempotency<OrderEvent>({ store: new DynamoDBStore({ tableName, endpoint: endpoint.url }), key: 'orderId' }),
        );
  const cpu = { first: [] as number[], duplicate: [] as number[] };
  const system = { first: [] as number[], duplicate: [] as number[] };
  for (let block = -1; block < BLOCKS; block++) {
    // Where the measured window starts, on the clock a CPU profile's timestamps use.
    if (block === 0) process.stderr.write(`measured from ${process.hrtime.bigint() / 1000n}\n`);
    const events = Array.from({ length: BLOCK }, () => ({ orderId: `warm-${randomUUID()}` }) as OrderEvent);
    for (const phase of ['first', 'duplicate'] as const) {
      const before = process.cpuUsage();
      for (const event of events) await handler(event, context);
      const used = process.cpuUsage(before);
      if (block >= 0) cpu[phase].push((used.user + used.system) / 1000 / BLOCK);
      if (block >= 0) system[phase].push(used.system / 1000 / BLOCK);
    }
  }
  process.stderr.write(`measured until ${process.hrtime.bigint() / 1000n}\n`);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  process.stdout.write(
    `${contender}: CPU per invocation first ${median(cpu.first).toFixed(3)} ms, duplicate ${median(cpu.duplicate).toFixed(3)} ms, of which system ${median(system.first).toFixed(3)} / ${median(system.duplicate).toFixed(3)} ms (median of ${BLOCKS} blocks of ${BLOCK})\n`,
  );
} finally {
  await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  admin.destroy();
  await endpoint.stop();
}
