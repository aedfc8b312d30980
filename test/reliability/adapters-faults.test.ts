import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoDBStore, type HttpEvent, type HttpResponse, httpIdempotency, idempotentBatch } from '../../src/index.js';
import { httpShapes, withBody, withKey } from '../http/http-events.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { lambdaContext } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';
import { pool, publish, SOAK } from './harness.js';

/**
 * The HTTP and batch adapters with the network between them and DynamoDB failing at random:
 * clients and queues retry as they do in production, and every operation still runs exactly once.
 */

const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);
/**
 * The invocations' remaining time, so their claims' lifetime. Longer than the slowest invocation
 * under these faults (a claim and a completing write through every retry, about 3.5 s), as a
 * Lambda timeout is; short enough that a claim orphaned by a lost response lapses within the test.
 */
const REMAINING_MS = 5_000;
const RULES: readonly FaultRule[] = [
  { fault: 'throttle', probability: 0.08 },
  { fault: 'server-error', probability: 0.04 },
  { fault: 'lost-response', probability: 0.05 },
  { fault: 'reset', probability: 0.04 },
  { fault: 'slow-response', probability: 0.01 },
];

let direct: DynamoDBClient;
let table: TestTable;
let proxy: FaultProxy;
let client: DynamoDBClient;
let store: DynamoDBStore;
beforeAll(async () => {
  direct = testClient();
  table = await createTable(direct);
  proxy = await new FaultProxy({ upstream: endpoint(), seed: SEED, delayMs: 400 }).start();
  client = faultClient(proxy.endpoint, { timeoutMs: 250 });
  store = new DynamoDBStore({ tableName: table.name, client });
  for (const rule of RULES) proxy.inject(rule);
});
const summaries: string[] = [];
afterAll(async () => {
  await publish('adapters', summaries.map((line) => `- ${line}`).join('\n'));
  await proxy.stop();
  client.destroy();
  await table.drop();
  direct.destroy();
});

it('HTTP under faults: each payment is charged once and every retry gets the same response', async () => {
  const payments = SOAK ? 200 : 30;
  const clientsPerPayment = 3;
  const charges = new Map<string, number>();
  const handler = middy(async (event: HttpEvent): Promise<HttpResponse> => {
    const { paymentId } = JSON.parse(String((event as { body: string }).body)) as { paymentId: string };
    charges.set(paymentId, (charges.get(paymentId) ?? 0) + 1);
    await sleep(2);
    return {
      statusCode: 201,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ paymentId, charge: charges.get(paymentId) }),
    };
  }).use(httpIdempotency({ store, logger: { warn: () => undefined } }));
  const sample = httpShapes.find((shape) => shape.file === 'http-api.json')!;
  const faultsBefore = proxy.faultsInjected();

  /** A client that retries 409s, 5xx and failed invocations (API Gateway's 502) until it gets an answer. */
  async function pay(paymentId: string): Promise<{ status: number; body: string; retries: number }> {
    for (let retries = 0; retries < 400; retries++) {
      const event = withBody(withKey(sample.event(), `key-${paymentId}`), JSON.stringify({ paymentId, amount: 4200 }));
      const response = (await handler(event, lambdaContext(REMAINING_MS, 'http-faults-fn')).catch(() => undefined)) as
        | { statusCode: number; body: string }
        | undefined;
      if (response !== undefined && response.statusCode < 500 && response.statusCode !== 409) {
        return { status: response.statusCode, body: response.body, retries };
      }
      await sleep(25);
    }
    throw new Error(`payment ${paymentId} never got an answer`);
  }

  const ids = Array.from({ length: payments }, (_, index) => `pay-${SEED}-${index}`);
  const answers = await pool(
    16,
    ids.flatMap((paymentId) =>
      Array.from({ length: clientsPerPayment }, () => async () => ({ paymentId, ...(await pay(paymentId)) })),
    ),
  );
  const retries = answers.reduce((sum, answer) => sum + answer.retries, 0);
  const summary =
    `HTTP under faults: ${payments} payments × ${clientsPerPayment} concurrent clients, ${proxy.faultsInjected() - faultsBefore} faults injected, ` +
    `${retries} client retries, ${[...charges.values()].reduce((sum, count) => sum + count, 0)} charges.`;
  console.log(`\n${summary}\n`);
  summaries.push(summary);
  expect(proxy.faultsInjected() - faultsBefore).toBeGreaterThan(0);
  for (const paymentId of ids) {
    expect(charges.get(paymentId), paymentId).toBe(1);
    const bodies = answers.filter((answer) => answer.paymentId === paymentId);
    expect(bodies.every((answer) => answer.status === 201 && answer.body === bodies[0]!.body)).toBe(true);
  }
}, 120_000);

it('SQS batch under faults: failed records are redelivered until done, and each message is applied once', async () => {
  const messages = SOAK ? 400 : 60;
  const random = seededRandom(SEED);
  const applied = new Map<string, number>();
  const handler = idempotentBatch(
    async (record: SQSRecord) => {
      applied.set(record.messageId, (applied.get(record.messageId) ?? 0) + 1);
      await sleep(1);
      return { applied: record.messageId };
    },
    { store, concurrency: 4, logger: { warn: () => undefined, error: () => undefined } },
  );
  const recordOf = (index: number): SQSRecord =>
    ({
      messageId: `msg-${SEED}-${index}`,
      receiptHandle: `rh-${index}`,
      body: JSON.stringify({ order: index }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1764417600000',
        SenderId: 'x',
        ApproximateFirstReceiveTimestamp: '1764417600000',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders',
      awsRegion: 'eu-west-1',
    }) as SQSRecord;
  const faultsBefore = proxy.faultsInjected();

  // The queue: everything once, then what failed, plus at-least-once redeliveries of some that did not.
  const queue = Array.from({ length: messages }, (_, index) => index);
  const done = new Set<number>();
  let batches = 0;
  while (queue.length > 0 && batches < 1_000) {
    const batch = queue.splice(0, 10);
    batches++;
    const response = await handler({ Records: batch.map(recordOf) } as SQSEvent, lambdaContext(REMAINING_MS, 'sqs-faults-fn'));
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    // The queue's visibility timeout: a failed record comes back a little later.
    if (failed.size > 0) await sleep(25);
    for (const index of batch) {
      if (failed.has(`msg-${SEED}-${index}`)) queue.push(index);
      else {
        done.add(index);
        if (random() < 0.1) queue.push(index);
      }
    }
  }
  const summary =
    `SQS batch under faults: ${messages} messages in ${batches} batches of up to 10 (failed records and 10 % of the others redelivered), ` +
    `${proxy.faultsInjected() - faultsBefore} faults injected, ${[...applied.values()].reduce((sum, count) => sum + count, 0)} applications.`;
  console.log(`\n${summary}\n`);
  summaries.push(summary);
  expect(proxy.faultsInjected() - faultsBefore).toBeGreaterThan(0);
  expect(done.size).toBe(messages);
  for (let index = 0; index < messages; index++) expect(applied.get(`msg-${SEED}-${index}`), `message ${index}`).toBe(1);
}, 120_000);
