import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDBStore, type HttpEvent, type HttpResponse, httpIdempotency, idempotentBatch } from '../../src/index.js';
import { httpShapes, withBody, withKey } from '../http/http-events.js';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { faultClient } from '../support/fault-client.js';
import { FaultProxy, type FaultRule } from '../support/fault-proxy.js';
import { lambdaContext } from '../support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';
import { pool, SOAK } from './harness.js';

/**
 * The HTTP and batch adapters with the network between them and DynamoDB failing at random:
 * clients and queues retry as they do in production, and every operation still runs exactly once.
 * adapters-faults.test.ts checks both runs; scripts/docs-tables.ts writes their summaries into
 * docs/reliability.md.
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

/** A table behind the fault proxy with every rule in force, and a store whose client goes through it. */
export interface FaultyTable {
  readonly proxy: FaultProxy;
  readonly store: DynamoDBStore;
  stop(): Promise<void>;
}

export async function startFaultyTable(): Promise<FaultyTable> {
  const direct: DynamoDBClient = testClient();
  const table: TestTable = await createTable(direct);
  const proxy = await new FaultProxy({ upstream: endpoint(), seed: SEED, delayMs: 400 }).start();
  const client = faultClient(proxy.endpoint, { timeoutMs: 250 });
  for (const rule of RULES) proxy.inject(rule);
  return {
    proxy,
    store: new DynamoDBStore({ tableName: table.name, client }),
    async stop() {
      await proxy.stop();
      client.destroy();
      await table.drop();
      direct.destroy();
    },
  };
}

export interface HttpUnderFaults {
  readonly paymentIds: readonly string[];
  /** How many times each payment was charged. */
  readonly charges: ReadonlyMap<string, number>;
  /** Every client's final answer. */
  readonly answers: readonly { paymentId: string; status: number; body: string; retries: number }[];
  readonly faults: number;
  /** The line docs/reliability.md shows. */
  readonly summary: string;
}

/** Payments over HTTP, each sent by 3 concurrent clients that retry 409s, 5xx and failed invocations. */
export async function httpUnderFaults(on: FaultyTable): Promise<HttpUnderFaults> {
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
  }).use(httpIdempotency({ store: on.store, logger: { warn: () => undefined } }));
  const sample = httpShapes.find((shape) => shape.file === 'http-api.json')!;
  const faultsBefore = on.proxy.faultsInjected();

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

  const paymentIds = Array.from({ length: payments }, (_, index) => `pay-${SEED}-${index}`);
  const answers = await pool(
    16,
    paymentIds.flatMap((paymentId) =>
      Array.from({ length: clientsPerPayment }, () => async () => ({ paymentId, ...(await pay(paymentId)) })),
    ),
  );
  const faults = on.proxy.faultsInjected() - faultsBefore;
  const retries = answers.reduce((sum, answer) => sum + answer.retries, 0);
  const summary =
    `HTTP under faults: ${payments} payments × ${clientsPerPayment} concurrent clients, ${faults} faults injected, ` +
    `${retries} client retries, ${[...charges.values()].reduce((sum, count) => sum + count, 0)} charges.`;
  console.log(`\n${summary}\n`);
  return { paymentIds, charges, answers, faults, summary };
}

export interface SqsUnderFaults {
  readonly messages: number;
  /** The messages that ended neither failed nor unsent. */
  readonly done: number;
  /** How many times each message was applied, by message id. */
  readonly applied: ReadonlyMap<string, number>;
  readonly messageIds: readonly string[];
  readonly faults: number;
  readonly summary: string;
}

/** An SQS queue redelivering failed records (and 10 % of the others) to an `idempotentBatch` handler. */
export async function sqsUnderFaults(on: FaultyTable): Promise<SqsUnderFaults> {
  const messages = SOAK ? 400 : 60;
  const random = seededRandom(SEED);
  const applied = new Map<string, number>();
  const handler = idempotentBatch(
    async (record: SQSRecord) => {
      applied.set(record.messageId, (applied.get(record.messageId) ?? 0) + 1);
      await sleep(1);
      return { applied: record.messageId };
    },
    { store: on.store, concurrency: 4, logger: { warn: () => undefined, error: () => undefined } },
  );
  const messageIdOf = (index: number) => `msg-${SEED}-${index}`;
  const recordOf = (index: number): SQSRecord =>
    ({
      messageId: messageIdOf(index),
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
  const faultsBefore = on.proxy.faultsInjected();

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
      if (failed.has(messageIdOf(index))) queue.push(index);
      else {
        done.add(index);
        if (random() < 0.1) queue.push(index);
      }
    }
  }
  const faults = on.proxy.faultsInjected() - faultsBefore;
  const summary =
    `SQS batch under faults: ${messages} messages in ${batches} batches of up to 10 (failed records and 10 % of the others redelivered), ` +
    `${faults} faults injected, ${[...applied.values()].reduce((sum, count) => sum + count, 0)} applications.`;
  console.log(`\n${summary}\n`);
  return {
    messages,
    done: done.size,
    applied,
    messageIds: Array.from({ length: messages }, (_, index) => messageIdOf(index)),
    faults,
    summary,
  };
}

/** The section of docs/reliability.md: one line per run. */
export function adaptersSection(summaries: readonly string[]): string {
  return summaries.map((line) => `- ${line}`).join('\n');
}
