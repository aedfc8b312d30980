import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { DynamoDBStore, InProgressError, makeIdempotent } from '../../src/index.js';
import { countCommands, createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { lambdaContext } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';
import { markdownTable, pool, SOAK } from './harness.js';

/**
 * Many duplicates of many keys at once, as a burst of retried events would arrive: every key's
 * handler runs exactly once and every invocation gets that execution's result. Duplicates that
 * find their key in progress wait for it (`waitForInProgress`) instead of failing. load.test.ts
 * checks both runs; scripts/docs-tables.ts renders their table into docs/reliability.md.
 */

export const INVOCATIONS = SOAK ? 20_000 : 2_000;
export const KEYS = SOAK ? 2_000 : 200;
export const CONCURRENCY = SOAK ? 128 : 64;
/** The run through the fault proxy is a quarter of the size by default: it shares the CI budget. */
const FAULT_RUN_SCALE = SOAK ? 1 : 0.25;
const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);

/** The table both runs write to, and a client that reads it directly. */
export interface LoadTable {
  readonly direct: DynamoDBClient;
  readonly table: TestTable;
  stop(): Promise<void>;
}

export async function startLoadTable(): Promise<LoadTable> {
  const direct = testClient();
  const table = await createTable(direct);
  return {
    direct,
    table,
    async stop() {
      await table.drop();
      direct.destroy();
    },
  };
}

export interface LoadOutcome {
  readonly invocations: number;
  readonly keys: number;
  readonly executions: number;
  readonly lost: number;
  readonly inProgressErrors: number;
  readonly requests: number;
  readonly seconds: number;
  /** Faults the proxy injected (0 for the direct run). */
  readonly faults: number;
  /** The run's COMPLETED records in the table. */
  readonly completed: number;
  /** Its row in docs/reliability.md's load table. */
  readonly row: readonly string[];
}

export const LOAD_HEADER = [
  'run',
  'invocations',
  'keys',
  'concurrency',
  'executions',
  'lost results',
  'DynamoDB requests',
  'throughput',
];

export function loadTable(outcomes: readonly LoadOutcome[]): string {
  return markdownTable(
    LOAD_HEADER,
    outcomes.map((outcome) => [...outcome.row]),
  );
}

/** The whole burst straight to DynamoDB. */
export async function loadDirect(on: LoadTable): Promise<LoadOutcome> {
  const client = testClient();
  try {
    return await runLoad(
      on,
      'direct',
      () => 'direct',
      client,
      { invocations: INVOCATIONS, keys: KEYS },
      0,
      () => 0,
    );
  } finally {
    client.destroy();
  }
}

/** A quarter of the burst (all of it in a soak) through the fault proxy: 3 % throttled, 1 % lost responses, 1 % resets. */
export async function loadThroughFaults(on: LoadTable): Promise<LoadOutcome> {
  const proxy = await new FaultProxy({ upstream: endpoint(), seed: SEED }).start();
  const client = faultClient(proxy.endpoint, { timeoutMs: 5_000, maxAttempts: 4 });
  try {
    proxy.inject({ fault: 'throttle', probability: 0.03 });
    proxy.inject({ fault: 'lost-response', probability: 0.01 / 0.97 });
    proxy.inject({ fault: 'reset', probability: 0.01 / 0.96 });
    const size = { invocations: INVOCATIONS * FAULT_RUN_SCALE, keys: KEYS * FAULT_RUN_SCALE };
    const outcome = await runLoad(
      on,
      'faults',
      (faults) => `through the fault proxy, ${faults} faults`,
      client,
      size,
      3,
      () => proxy.faultsInjected(),
      // The client waits up to 5 s for an answer, four times: the bound on a store request (its
      // retries included) leaves it that budget, as docs/usage.md asks of a client configured so.
      30_000,
    );
    console.log(`(${outcome.faults} faults injected)`);
    return outcome;
  } finally {
    client.destroy();
    await proxy.stop();
  }
}

async function runLoad(
  on: LoadTable,
  label: string,
  /** The run's name in the table, given the faults injected. */
  rowLabel: (faults: number) => string,
  client: DynamoDBClient,
  size: { invocations: number; keys: number },
  retriesPerInvocation: number,
  faultsInjected: () => number,
  storeTimeoutMs?: number,
): Promise<LoadOutcome> {
  const { invocations, keys: keyCount } = size;
  const commands = countCommands(client);
  const store = new DynamoDBStore({ tableName: on.table.name, client });
  const executionsByKey = new Map<string, number>();
  const random = seededRandom(SEED);
  async function placeOrder(order: { orderId: string }, _context: Context) {
    executionsByKey.set(order.orderId, (executionsByKey.get(order.orderId) ?? 0) + 1);
    // Some work, so duplicates really overlap with the execution they wait for.
    await sleep(1 + Math.floor(random() * 5));
    return { orderId: order.orderId, execution: executionsByKey.get(order.orderId) };
  }
  const place = makeIdempotent(placeOrder, {
    store,
    key: 'orderId',
    keyPrefix: `load-${label}`,
    waitForInProgress: { timeoutMs: 20_000, initialDelayMs: 10, maxDelayMs: 100 },
    ...(storeTimeoutMs !== undefined && { storeTimeoutMs }),
    logger: { warn: () => undefined },
  });

  const run = randomUUID();
  const keys = Array.from({ length: keyCount }, (_, index) => `${run}-${index}`);
  const schedule = Array.from({ length: invocations }, (_, index) => keys[index % keyCount]!);
  for (let index = schedule.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [schedule[index], schedule[other]] = [schedule[other]!, schedule[index]!];
  }

  let inProgressErrors = 0;
  const started = performance.now();
  const results = await pool(
    CONCURRENCY,
    schedule.map((orderId) => async () => {
      // A caller (Lambda's async retries, an SQS redelivery) tries again after a failure.
      for (let attempt = 0; ; attempt++) {
        try {
          return { orderId, value: await place({ orderId }, lambdaContext(60_000, 'load-fn')) };
        } catch (error) {
          if (error instanceof InProgressError) inProgressErrors++;
          if (attempt >= retriesPerInvocation) return { orderId, value: undefined };
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const lost = results.filter(
    (result) => JSON.stringify(result.value) !== JSON.stringify({ orderId: result.orderId, execution: 1 }),
  ).length;
  const executions = [...executionsByKey.values()].reduce((sum, count) => sum + count, 0);
  const requests = commands.total();
  const faults = faultsInjected();
  const throughput = `${Math.round(invocations / seconds)} invocations/s`;
  console.log(
    `\nLoad (${label}): ${invocations} invocations over ${keyCount} keys at concurrency ${CONCURRENCY}: ${executions} executions, ` +
      `${lost} lost results, ${inProgressErrors} InProgressError retries, ${requests} DynamoDB requests, ${seconds.toFixed(2)} s, ${throughput}.\n`,
  );
  return {
    invocations,
    keys: keyCount,
    executions,
    lost,
    inProgressErrors,
    requests,
    seconds,
    faults,
    completed: await completedRecords(on, `load-${label}`),
    row: [
      rowLabel(faults),
      String(invocations),
      String(keyCount),
      String(CONCURRENCY),
      String(executions),
      String(lost),
      String(requests),
      `${throughput} (${seconds.toFixed(1)} s)`,
    ],
  };
}

async function completedRecords(on: LoadTable, prefix: string): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await on.direct.send(new ScanCommand({ TableName: on.table.name, ExclusiveStartKey }));
    count += (page.Items ?? []).filter((item) => item.id?.S?.startsWith(`${prefix}#`) && item.status?.S === 'COMPLETED').length;
    ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (ExclusiveStartKey);
  return count;
}
