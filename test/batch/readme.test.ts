import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { freshContext, sampleEvent } from './support.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../readme/batch-example.ts', import.meta.url), 'utf8');

describe('README: message batches', () => {
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

  it('shows the SQS example that this test runs, verbatim, in its own section', () => {
    const section = readme.slice(readme.indexOf('## Message batches (SQS, Kinesis, DynamoDB Streams, EventBridge)'));
    expect(section).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs the example as written: a redelivered batch and a duplicate message post nothing twice', async () => {
    const { handler, ledger } = await import('../readme/batch-example.js');
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
