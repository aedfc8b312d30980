import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoDBStore, InProgressError, makeIdempotent } from '../../src/index.js';
import { countCommands, createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { lambdaContext } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';
import { markdownTable, pool, publish, SOAK } from './harness.js';

/**
 * Many duplicates of many keys at once, as a burst of retried events would arrive: every key's
 * handler runs exactly once and every invocation gets that execution's result. Duplicates that
 * find their key in progress wait for it (`waitForInProgress`) instead of failing.
 */

const INVOCATIONS = SOAK ? 20_000 : 2_000;
const KEYS = SOAK ? 2_000 : 200;
const CONCURRENCY = SOAK ? 128 : 64;
/** The run through the fault proxy is a quarter of the size by default: it shares the CI budget. */
const FAULT_RUN_SCALE = SOAK ? 1 : 0.25;
const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);

let direct: DynamoDBClient;
let table: TestTable;
const rows: string[][] = [];
beforeAll(async () => {
  direct = testClient();
  table = await createTable(direct);
});
afterAll(async () => {
  await publish(
    'load',
    markdownTable(
      ['run', 'invocations', 'keys', 'concurrency', 'executions', 'lost results', 'DynamoDB requests', 'throughput'],
      rows,
    ),
  );
  await table.drop();
  direct.destroy();
});

interface LoadOutcome {
  readonly executions: number;
  readonly lost: number;
  readonly inProgressErrors: number;
  readonly requests: number;
  readonly seconds: number;
}

async function runLoad(
  label: string,
  client: DynamoDBClient,
  size: { invocations: number; keys: number },
  retriesPerInvocation: number,
  storeTimeoutMs?: number,
): Promise<LoadOutcome> {
  const { invocations, keys: keyCount } = size;
  const commands = countCommands(client);
  const store = new DynamoDBStore({ tableName: table.name, client });
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
  const outcome = { executions, lost, inProgressErrors, requests: commands.total(), seconds };
  const throughput = `${Math.round(invocations / seconds)} invocations/s`;
  rows.push([
    label,
    String(invocations),
    String(keyCount),
    String(CONCURRENCY),
    String(executions),
    String(lost),
    String(outcome.requests),
    `${throughput} (${seconds.toFixed(1)} s)`,
  ]);
  console.log(
    `\nLoad (${label}): ${invocations} invocations over ${keyCount} keys at concurrency ${CONCURRENCY}: ${executions} executions, ` +
      `${lost} lost results, ${inProgressErrors} InProgressError retries, ${outcome.requests} DynamoDB requests, ${seconds.toFixed(2)} s, ${throughput}.\n`,
  );
  return outcome;
}

async function completedRecords(prefix: string): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await direct.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey }));
    count += (page.Items ?? []).filter((item) => item.id?.S?.startsWith(`${prefix}#`) && item.status?.S === 'COMPLETED').length;
    ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (ExclusiveStartKey);
  return count;
}

it(`load: ${INVOCATIONS} invocations over ${KEYS} keys at concurrency ${CONCURRENCY} run each key once and lose no result`, async () => {
  const client = testClient();
  try {
    const outcome = await runLoad('direct', client, { invocations: INVOCATIONS, keys: KEYS }, 0);
    expect(outcome.executions).toBe(KEYS);
    expect(outcome.lost).toBe(0);
    expect(await completedRecords('load-direct')).toBe(KEYS);
  } finally {
    client.destroy();
  }
}, 300_000);

it('load through the fault proxy (3% throttled, 1% lost responses, 1% resets): still once per key, nothing lost', async () => {
  const proxy = await new FaultProxy({ upstream: endpoint(), seed: SEED }).start();
  const client = faultClient(proxy.endpoint, { timeoutMs: 5_000, maxAttempts: 4 });
  try {
    proxy.inject({ fault: 'throttle', probability: 0.03 });
    proxy.inject({ fault: 'lost-response', probability: 0.01 / 0.97 });
    proxy.inject({ fault: 'reset', probability: 0.01 / 0.96 });
    const size = { invocations: INVOCATIONS * FAULT_RUN_SCALE, keys: KEYS * FAULT_RUN_SCALE };
    // The client waits up to 5 s for an answer, four times: the bound on a store request (its retries
    // included) leaves it that budget, as docs/usage.md asks of a client configured so.
    const outcome = await runLoad('faults', client, size, 3, 30_000);
    console.log(`(${proxy.faultsInjected()} faults injected)`);
    rows[rows.length - 1]![0] = `through the fault proxy, ${proxy.faultsInjected()} faults`;
    expect(proxy.faultsInjected()).toBeGreaterThan(0);
    expect(outcome.executions).toBe(size.keys);
    expect(outcome.lost).toBe(0);
    expect(await completedRecords('load-faults')).toBe(size.keys);
  } finally {
    client.destroy();
    await proxy.stop();
  }
}, 300_000);
