import { readFileSync } from 'node:fs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerTableDefinition, paymentsTableDefinition } from '../../infra/tables.js';
import { CurrencyMismatchError, LedgerTable } from '../../samples/orders/ledger-table.js';
import { parseOrderEvent } from '../../samples/orders/order-event.js';
import { createPaymentHandler } from '../../samples/payments/create-payment.js';
import { paymentIdFor } from '../../samples/payments/payment-id.js';
import { PaymentsTable } from '../../samples/payments/payments-table.js';
import { ValidationError } from '../../samples/shared/validation.js';
import { createTable, type TestTable, testClient } from '../support/dynamodb.js';

const client = testClient();
const documents = DynamoDBDocumentClient.from(client);
let paymentsTable: TestTable;
let ledgerTable: TestTable;

beforeAll(async () => {
  paymentsTable = await createTable(client, { definition: paymentsTableDefinition });
  ledgerTable = await createTable(client, { definition: ledgerTableDefinition });
});
afterAll(async () => {
  await paymentsTable.drop();
  await ledgerTable.drop();
  client.destroy();
});

const firstEvent = JSON.parse(
  readFileSync(new URL('../../events/samples/payments-first.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;

function request(key: string, body: unknown): APIGatewayProxyEventV2 {
  return {
    ...structuredClone(firstEvent),
    headers: { ...firstEvent.headers, 'idempotency-key': key },
    body: JSON.stringify(body),
  };
}

describe('payments sample, without the middleware: the write alone is idempotent', () => {
  it('a second run for one key finds the first payment instead of writing another', async () => {
    const handler = createPaymentHandler(new PaymentsTable(documents, paymentsTable.name));
    const body = { amount: 2500, currency: 'EUR', customerId: 'customer-17' };
    const first = await handler(request('key-run-twice', body));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await handler(request('key-run-twice', body));
    expect(first.statusCode).toBe(201);
    expect(second).toEqual(first);
    const other = await handler(request('key-run-twice', { ...body, amount: 9900 }));
    expect(other.statusCode).toBe(409);
    const { Items } = await documents.send(new ScanCommand({ TableName: paymentsTable.name }));
    expect(Items?.filter((item) => item.paymentId === paymentIdFor(request('key-run-twice', body)))).toHaveLength(1);
  });

  it('answers 400 naming the field for a bad body', async () => {
    const handler = createPaymentHandler(new PaymentsTable(documents, paymentsTable.name));
    const response = await handler(request('key-bad', { amount: 12.5, currency: 'EUR', customerId: 'customer-17' }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').detail).toMatch(/^amount /);
  });

  it('one payment id per caller and key, whether the key is quoted or bare', () => {
    const from = (caller: string, key: string) => {
      const event = request(key, {});
      (event.requestContext as { authorizer?: unknown }).authorizer = { jwt: { claims: { sub: caller }, scopes: [] } };
      return paymentIdFor(event);
    };
    expect(from('alice', '"8e03978e"')).toBe(from('alice', '8e03978e'));
    expect(from('alice', '8e03978e')).not.toBe(from('bob', '8e03978e'));
    expect(paymentIdFor(request('two words', {}))).toBeUndefined();
  });
});

describe('orders sample: the ledger', () => {
  const event = (eventId: string, amount: number, currency = 'EUR') =>
    JSON.stringify({ eventId, type: 'OrderPlaced', orderId: 'order-1', customerId: 'customer-ledger', amount, currency });

  it('adds each applied event: applying is not idempotent by itself', async () => {
    const ledger = new LedgerTable(documents, ledgerTable.name);
    await ledger.apply(parseOrderEvent(event('e-1', 100)));
    const entry = await ledger.apply(parseOrderEvent(event('e-1', 100)));
    expect(entry).toMatchObject({ balance: 200, appliedEvents: 2 });
  });

  it('refuses an event in another currency than the ledger', async () => {
    const ledger = new LedgerTable(documents, ledgerTable.name);
    await expect(ledger.apply(parseOrderEvent(event('e-2', 100, 'USD')))).rejects.toBeInstanceOf(CurrencyMismatchError);
  });

  it('rejects malformed events with the field named', () => {
    expect(() => parseOrderEvent('not json')).toThrow(ValidationError);
    expect(() => parseOrderEvent(JSON.stringify({ eventId: 'e', type: 'OrderLost' }))).toThrow(/^type must be one of/);
  });
});
