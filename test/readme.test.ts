import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshContext, sampleEvent } from './batch/support.js';
import { createTable, endpoint, type TestTable, testClient } from './support/dynamodb.js';
import { lambdaContext, uniqueKey } from './support/fixtures.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('./readme/example.ts', import.meta.url), 'utf8');
const httpExample = readFileSync(new URL('./readme/http-example.ts', import.meta.url), 'utf8');
const batchExample = readFileSync(new URL('./readme/batch-example.ts', import.meta.url), 'utf8');
const httpApiEvent = readFileSync(new URL('../events/http/http-api.json', import.meta.url), 'utf8');

describe('README', () => {
  let table: TestTable;
  const saved = { table: process.env.IDEMPOTENCY_TABLE, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB };
  beforeAll(async () => {
    table = await createTable(testClient());
    // The example builds its own client, as a deployed function would: the SDK's variable picks the endpoint.
    process.env.IDEMPOTENCY_TABLE = table.name;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
  });
  afterAll(async () => {
    await table.drop();
    restore('IDEMPOTENCY_TABLE', saved.table);
    restore('AWS_ENDPOINT_URL_DYNAMODB', saved.endpoint);
  });

  it.each([
    ['example', example],
    ['HTTP example', httpExample],
    ['SQS example', batchExample],
  ])('shows the %s that this test runs, verbatim', (_name, source) => {
    expect(readme).toContain(`\`\`\`ts\n${source}\`\`\``);
  });

  it('names the command that runs the tests', () => {
    expect(readme).toMatch(/```sh\nnpm test\n```/);
  });

  it('runs the example as written: a retry replays the first result', async () => {
    const { handler, charge } = await import('./readme/example.js');
    const event = { orderId: 'order-1001', amount: 2500 };

    const first = await handler(event, lambdaContext());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retry = await handler(event, lambdaContext());
    expect(first).toMatchObject({ orderId: 'order-1001', status: 'created' });
    expect(retry).toEqual(first);

    const payment = await charge({ paymentId: 'pay-1', cents: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await charge({ paymentId: 'pay-1', cents: 2500 })).toEqual(payment);
  });

  it('runs the HTTP example as written: a retry gets the same payment, marked as replayed', async () => {
    const { handler } = await import('./readme/http-example.js');
    const event = JSON.parse(httpApiEvent) as APIGatewayProxyEventV2;
    event.headers['idempotency-key'] = uniqueKey();

    const first = await handler(event, lambdaContext());
    const retry = await handler(structuredClone(event), lambdaContext());

    expect(first).toMatchObject({ statusCode: 201 });
    expect(JSON.parse(first.body ?? '')).toMatchObject({ amount: 4200, currency: 'EUR', status: 'succeeded' });
    expect(retry.headers).toMatchObject({ 'Idempotent-Replayed': 'true' });
    expect(retry.body).toBe(first.body);
  });

  it('runs the SQS example as written: a redelivered batch and a duplicate message post nothing twice', async () => {
    const { handler, ledger } = await import('./readme/batch-example.js');
    const event = sampleEvent<SQSEvent>('sqs');
    event.Records.push(structuredClone(event.Records[0] as SQSRecord));
    const context = freshContext();

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await handler(sampleEvent('sqs'), context)).toEqual({ batchItemFailures: [] });
    expect(ledger.map((entry) => entry.orderId).sort()).toEqual(['order-1001', 'order-1002', 'order-1003']);
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
