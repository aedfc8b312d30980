import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, endpoint, type TestTable, testClient } from '../support/dynamodb.js';
import { lambdaContext, uniqueKey } from '../support/fixtures.js';
import { headersOf } from './http-events.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../readme/http-example.ts', import.meta.url), 'utf8');
const sampleEvent = readFileSync(new URL('../../events/http/http-api.json', import.meta.url), 'utf8');

describe('README, HTTP section', () => {
  let table: TestTable;
  const saved = { table: process.env.IDEMPOTENCY_TABLE, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB };
  beforeAll(async () => {
    table = await createTable(testClient());
    process.env.IDEMPOTENCY_TABLE = table.name;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
  });
  afterAll(async () => {
    await table.drop();
    for (const [name, value] of [
      ['IDEMPOTENCY_TABLE', saved.table],
      ['AWS_ENDPOINT_URL_DYNAMODB', saved.endpoint],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('shows the HTTP example that this test runs, verbatim', () => {
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs the HTTP example as written: a retry gets the same payment, marked as replayed', async () => {
    const { handler } = await import('../readme/http-example.js');
    const event = JSON.parse(sampleEvent) as APIGatewayProxyEventV2;
    event.headers['idempotency-key'] = uniqueKey();

    const first = await handler(event, lambdaContext());
    const retry = await handler(structuredClone(event), lambdaContext());

    expect(first).toMatchObject({ statusCode: 201 });
    expect(JSON.parse((first as { body: string }).body)).toMatchObject({ amount: 4200, currency: 'EUR', status: 'succeeded' });
    expect(headersOf(retry)['idempotent-replayed']).toBe('true');
    expect((retry as { body: string }).body).toBe((first as { body: string }).body);
  });
});
