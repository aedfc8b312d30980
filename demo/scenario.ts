import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { DynamoDBStore } from 'lambda-idempotency';
import { sampleFunctionDefinitions } from '../infra/sample-functions.js';
import { idempotencyTableDefinition, ledgerTableDefinition, paymentsTableDefinition } from '../infra/tables.js';
import { LedgerTable } from '../samples/orders/ledger-table.js';
import { parseOrderEvent, toOrderEvent } from '../samples/orders/order-event.js';
import { createOrdersConsumer } from '../samples/orders/orders-consumer.js';
import { createPaymentsApi } from '../samples/payments/payments-api.js';
import { PaymentsTable } from '../samples/payments/payments-table.js';
import { createRefundsConsumer, type RefundEvent } from '../samples/refunds/refunds-consumer.js';
import { localLambdaContext } from './lambda-context.js';
import { recordRequests } from './request-counter.js';
import { type SampleTableNames, tableName } from './sample-tables.js';
import { ledgerChecks, ledgerDelivery, paymentChecks } from './scenario-checks.js';

const eventsDirectory = new URL('../events/samples/', import.meta.url);

/** One step of calls to `POST /payments`. */
export interface HttpStepReport {
  readonly title: string;
  readonly calls: number;
  /** Status code → how many responses had it. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Responses marked `Idempotent-Replayed: true`. */
  readonly replays: number;
  /** Times the payment handler ran: its writes to the payments table. */
  readonly executions: number;
  /** Requests to the idempotency table. */
  readonly idempotencyRequests: number;
}

/** One SQS batch delivered to the orders consumer. */
export interface BatchStepReport {
  readonly title: string;
  readonly records: number;
  /** Times the record handler applied an event: its writes to the ledger. */
  readonly executions: number;
  /** Records skipped because their event was already applied. */
  readonly duplicates: number;
  /** `batchItemFailures`, with why each record failed. */
  readonly failures: readonly { readonly messageId: string; readonly reason: string }[];
  readonly idempotencyRequests: number;
}

export interface Check {
  readonly description: string;
  readonly passed: boolean;
}

export interface ScenarioReport {
  readonly payments: readonly HttpStepReport[];
  readonly orders: readonly BatchStepReport[];
  /** EventBridge deliveries to the refunds function; a failure is the invocation's error. */
  readonly refunds: readonly BatchStepReport[];
  readonly tables: {
    readonly payments: readonly Record<string, unknown>[];
    readonly ledger: readonly Record<string, unknown>[];
    readonly idempotency: readonly Record<string, unknown>[];
  };
  readonly checks: readonly Check[];
}

async function sampleEvent<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(new URL(file, eventsDirectory), 'utf8')) as T;
}

/** A copy of a request as a client retry sends it: same key and body, a new request id. */
function resend(event: APIGatewayProxyEventV2, key?: string): APIGatewayProxyEventV2 {
  const copy = structuredClone(event);
  copy.requestContext.requestId = randomUUID();
  if (key !== undefined) copy.headers['idempotency-key'] = key;
  return copy;
}

function isReplay(response: APIGatewayProxyStructuredResultV2): boolean {
  return Object.entries(response.headers ?? {}).some(
    ([name, value]) => name.toLowerCase() === 'idempotent-replayed' && String(value) === 'true',
  );
}

/**
 * The scripted run `npm start` reports on: the real sample handlers (built by the same factories
 * their Lambda entry points use) against the tables at `clientConfig`'s endpoint. Executions are
 * not taken from the handlers' word: they are the writes each handler's side effect sends to
 * DynamoDB, recorded on the client.
 */
export async function runScenario(options: {
  readonly tables: SampleTableNames;
  readonly clientConfig?: DynamoDBClientConfig;
}): Promise<ScenarioReport> {
  const client = new DynamoDBClient(options.clientConfig ?? {});
  const requests = recordRequests(client);
  const documents = DynamoDBDocumentClient.from(client);
  const names = {
    idempotency: tableName(options.tables, idempotencyTableDefinition),
    payments: tableName(options.tables, paymentsTableDefinition),
    ledger: tableName(options.tables, ledgerTableDefinition),
  };
  const store = new DynamoDBStore({ tableName: names.idempotency, client });
  const countSince = (mark: number, operation: string, table: string) =>
    requests.since(mark).filter((request) => request.operation === operation && request.tableName === table).length;
  const idempotencyRequestsSince = (mark: number) =>
    requests.since(mark).filter((request) => request.tableName === names.idempotency).length;

  try {
    // POST /payments
    const api = createPaymentsApi({ store, payments: new PaymentsTable(documents, names.payments) });
    const paymentsTimeoutMs = sampleFunctionDefinitions.payments.timeoutSeconds * 1000;
    const call = async (event: APIGatewayProxyEventV2) =>
      (await api(event, localLambdaContext('payments', paymentsTimeoutMs))) as APIGatewayProxyStructuredResultV2;
    const firstBodies = new Map<string, string | undefined>();
    const replayedBodies: { key: string; body: string | undefined }[] = [];
    const payments: HttpStepReport[] = [];
    const httpStep = async (title: string, events: readonly APIGatewayProxyEventV2[]) => {
      const mark = requests.sent.length;
      const responses = await Promise.all(events.map(call));
      const statuses = new Map<number, number>();
      responses.forEach((response, index) => {
        const status = response.statusCode ?? 200;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const key = events[index]?.headers['idempotency-key'] ?? '';
        if (isReplay(response)) replayedBodies.push({ key, body: response.body });
        else if (status === 201) firstBodies.set(key, response.body);
      });
      payments.push({
        title,
        calls: events.length,
        statuses,
        replays: responses.filter(isReplay).length,
        executions: countSince(mark, 'PutItem', names.payments),
        idempotencyRequests: idempotencyRequestsSince(mark),
      });
      return responses;
    };

    const first = await sampleEvent<APIGatewayProxyEventV2>('payments-first.json');
    const duplicate = await sampleEvent<APIGatewayProxyEventV2>('payments-duplicate.json');
    const mismatch = await sampleEvent<APIGatewayProxyEventV2>('payments-mismatch.json');
    await httpStep('first payment', [first]);
    await httpStep('client retry: same key and body', [resend(duplicate)]);
    await httpStep(
      '10 concurrent retries',
      Array.from({ length: 10 }, () => resend(duplicate)),
    );
    await httpStep('same key, another body', [resend(mismatch)]);
    await httpStep('no Idempotency-Key header', [await sampleEvent<APIGatewayProxyEventV2>('payments-missing-key.json')]);
    const raceKey = `race-${randomUUID()}`;
    const race = await httpStep(
      '10 concurrent first attempts, new key',
      Array.from({ length: 10 }, () => resend(first, raceKey)),
    );
    const refused = race.filter((response) => response.statusCode === 409).length;
    if (refused > 0)
      await httpStep(
        'the 409s retried',
        Array.from({ length: refused }, () => resend(first, raceKey)),
      );

    // SQS order events
    const failureReasons = new Map<string, string>();
    const duplicatesSeen = new Set<string>();
    const consumer = createOrdersConsumer(
      { store, ledger: new LedgerTable(documents, names.ledger) },
      {
        // The report shows every failure; the consumer's own log lines would repeat it.
        logger: { warn: () => undefined, error: () => undefined },
        onDuplicate: (record) => void duplicatesSeen.add(record.messageId),
        onRecordFailure: (record, error) =>
          void failureReasons.set(record.messageId, error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
      },
    );
    const ordersTimeoutMs = sampleFunctionDefinitions.orders.timeoutSeconds * 1000;
    const orders: BatchStepReport[] = [];
    const delivered: SQSRecord[] = [];
    for (const [file, title] of [
      ['orders-first.json', '3 new events'],
      ['orders-duplicate.json', 'redelivery, re-send, twin, malformed'],
      ['orders-mismatch.json', 'event id reused, other amount'],
    ] as const) {
      const event = await sampleEvent<SQSEvent>(file);
      delivered.push(...event.Records);
      const mark = requests.sent.length;
      duplicatesSeen.clear();
      failureReasons.clear();
      const response = (await consumer(event, localLambdaContext('orders', ordersTimeoutMs))) as SQSBatchResponse;
      orders.push({
        title: `${file}: ${title}`,
        records: event.Records.length,
        executions: countSince(mark, 'UpdateItem', names.ledger),
        duplicates: duplicatesSeen.size,
        failures: response.batchItemFailures.map(({ itemIdentifier }) => ({
          messageId: itemIdentifier,
          reason: failureReasons.get(itemIdentifier) ?? 'reported without a reason',
        })),
        idempotencyRequests: idempotencyRequestsSince(mark),
      });
    }

    // EventBridge refunds: each copy of an event carries the same id, the default key.
    const refundsConsumer = createRefundsConsumer({ store, ledger: new LedgerTable(documents, names.ledger) });
    const refundsTimeoutMs = sampleFunctionDefinitions.refunds.timeoutSeconds * 1000;
    const refunds: BatchStepReport[] = [];
    const refundDeliveries: RefundEvent[] = [];
    const refundResults: string[] = [];
    for (const [file, title, copies] of [
      ['refunds-first.json', 'a refund', 1],
      ['refunds-duplicate.json', 'the same event, 3 copies at once', 3],
      ['refunds-mismatch.json', 'same event id, other amount', 1],
    ] as const) {
      const event = await sampleEvent<RefundEvent>(file);
      const mark = requests.sent.length;
      const outcomes = await Promise.allSettled(
        Array.from({ length: copies }, () =>
          refundsConsumer(structuredClone(event), localLambdaContext('refunds', refundsTimeoutMs)),
        ),
      );
      refundDeliveries.push(...Array.from({ length: copies }, () => event));
      for (const outcome of outcomes) if (outcome.status === 'fulfilled') refundResults.push(JSON.stringify(outcome.value));
      const executions = countSince(mark, 'UpdateItem', names.ledger);
      refunds.push({
        title: `${file}: ${title}`,
        records: copies,
        executions,
        // idempotentBatch calls onDuplicate for batch records only: a delivery that succeeded
        // without the handler's ledger write was answered from its record.
        duplicates: outcomes.filter((outcome) => outcome.status === 'fulfilled').length - executions,
        failures: outcomes.flatMap((outcome) =>
          outcome.status === 'rejected'
            ? [{ messageId: event.id, reason: `${(outcome.reason as Error).name}: ${(outcome.reason as Error).message}` }]
            : [],
        ),
        idempotencyRequests: idempotencyRequestsSince(mark),
      });
    }

    const scan = async (table: string) =>
      ((await documents.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []) as Record<
        string,
        unknown
      >[];
    const tables = {
      payments: await scan(names.payments),
      ledger: await scan(names.ledger),
      idempotency: await scan(names.idempotency),
    };
    const paymentWrites = requests.sent.filter(
      (request) => request.operation === 'PutItem' && request.tableName === names.payments,
    );
    const ledgerWrites = requests.sent.filter(
      (request) => request.operation === 'UpdateItem' && request.tableName === names.ledger,
    );
    const checks = [
      ...paymentChecks(
        payments,
        paymentWrites.map((write) => (write.input.Item as { paymentId: string }).paymentId),
        tables.payments,
        {
          firstBodies,
          replayedBodies,
        },
      ),
      {
        description: `all ${refundResults.length} successful refund deliveries returned the first one's result`,
        passed: refundResults.length > 1 && refundResults.every((result) => result === refundResults[0]),
      },
      ...ledgerChecks(
        orders,
        [
          ...delivered.map((record) =>
            ledgerDelivery(
              () => parseOrderEvent(record.body),
              (event) => event.eventId,
            ),
          ),
          ...refundDeliveries.map((event) =>
            ledgerDelivery(
              () => toOrderEvent(event.detail, 'detail'),
              () => `eventbridge:${event.id}`,
            ),
          ),
        ],
        ledgerWrites,
        tables.ledger,
      ),
    ];
    return { payments, orders, refunds, tables, checks };
  } finally {
    client.destroy();
  }
}
