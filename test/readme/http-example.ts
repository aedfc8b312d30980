import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDBStore, httpIdempotency } from 'lambda-idempotency';

const store = new DynamoDBStore({ tableName: process.env.IDEMPOTENCY_TABLE! });

async function createPayment(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { amount, currency } = JSON.parse(event.body ?? '{}');
  const payment = { id: `pay_${crypto.randomUUID()}`, amount, currency, status: 'succeeded' };
  return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payment) };
}

export const handler = middy(createPayment).use(httpIdempotency({ store }));
