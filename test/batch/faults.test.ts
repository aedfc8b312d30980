import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DynamoDBStore,
  IdempotencyConfigError,
  idempotentBatch,
  MalformedRecordError,
  PayloadMismatchError,
  ResultNotSerializableError,
  StoreError,
} from '../../src/index.js';
import { testClient } from '../support/dynamodb.js';
import { FaultyHttpHandler } from '../support/faulty-http-handler.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

const failuresOf = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

describe('idempotentBatch when things go wrong', () => {
  it('reports a record whose claim DynamoDB refused, without running it, and runs the others', async () => {
    const faults = new FaultyHttpHandler('PutItem', 'throttle', 1);
    const store = new DynamoDBStore({
      tableName: fixture.table.name,
      client: testClient({ requestHandler: faults, maxAttempts: 1 }),
    });
    const runs: string[] = [];
    const errors: unknown[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.messageId), {
      store,
      logger: recordingLogger(),
      onRecordFailure: (_record, error) => void errors.push(error),
    });
    const event = sampleEvent<SQSEvent>('sqs');
    const [throttled, ...others] = event.Records as [SQSRecord, ...SQSRecord[]];

    expect(failuresOf(await handler(event, freshContext()))).toEqual([throttled.messageId]);
    expect(runs).toEqual(others.map((record) => record.messageId));
    expect(errors[0]).toBeInstanceOf(StoreError);
  });

  it('never reruns a record whose result could not be stored: it counts as done, and its duplicate is skipped', async () => {
    let runs = 0;
    const logger = recordingLogger();
    const handler = idempotentBatch(
      async () => {
        runs++;
        return { total: 10n };
      },
      { store: fixture.store, logger },
    );
    const event: SQSEvent = { Records: [sampleEvent<SQSEvent>('sqs').Records[0] as SQSRecord] };
    const context = freshContext();
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(await handler(structuredClone(event), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toBe(1);
    expect(logger.warnings.some((message) => message.includes(ResultNotSerializableError.name))).toBe(true);
  });

  it('fails a record whose group cannot be read, alone', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const broken = event.Records[1] as SQSRecord;
    broken.body = '<order id="order-1002"/>';
    const errors: unknown[] = [];
    const handler = idempotentBatch(async () => undefined, {
      store: fixture.store,
      groupBy: (record) => (JSON.parse(record.body) as { customerId: string }).customerId,
      logger: recordingLogger(),
      onRecordFailure: (_record, error) => void errors.push(error),
    });
    expect(failuresOf(await handler(event, freshContext()))).toEqual([broken.messageId]);
    expect(errors[0]).toBeInstanceOf(MalformedRecordError);
  });

  it('fails a record whose key was used with another payload, and only that record', async () => {
    const runs: string[] = [];
    const errors: unknown[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.messageId), {
      store: fixture.store,
      key: 'body.orderId',
      payload: 'body.amount',
      logger: recordingLogger(),
      onRecordFailure: (_record, error) => void errors.push(error),
    });
    const context = freshContext();
    await handler(sampleEvent('sqs'), context);
    const changed = sampleEvent<SQSEvent>('sqs');
    const tampered = changed.Records[0] as SQSRecord;
    tampered.body = JSON.stringify({ ...JSON.parse(tampered.body), amount: 1 });
    expect(failuresOf(await handler(changed, context))).toEqual([tampered.messageId]);
    expect(errors).toEqual([expect.any(PayloadMismatchError)]);
    expect(runs).toHaveLength(3);
  });

  it('refuses unusable options at setup, naming them', () => {
    const store = fixture.store;
    expect(() => idempotentBatch(async () => undefined, { store, concurrency: 0 })).toThrow(/"concurrency"/);
    expect(() => idempotentBatch(async () => undefined, { store, concurrency: 1.5 })).toThrow(IdempotencyConfigError);
    expect(() => idempotentBatch(async () => undefined, { store, key: 'body..id' })).toThrow(/"key"/);
    expect(() => idempotentBatch('handler' as unknown as () => void, { store })).toThrow(/record handler/);
    expect(() => idempotentBatch(async () => undefined, { store: {} as DynamoDBStore })).toThrow(/"store"/);
  });

  it('types the Lambda handler after the record type', () => {
    const store = fixture.store;
    const sqs = idempotentBatch(async (record) => record.body, { store });
    // A pipe delivers the same records as a bare array.
    expectTypeOf(sqs).parameter(0).toEqualTypeOf<{ Records: SQSRecord[] } | SQSRecord[]>();
    expectTypeOf(sqs).returns.resolves.toEqualTypeOf<SQSBatchResponse>();
    expectTypeOf<SQSEvent>().toExtend<Parameters<typeof sqs>[0]>();

    const kinesis = idempotentBatch(async (record: KinesisStreamRecord) => record.kinesis.data, { store });
    expectTypeOf<KinesisStreamEvent>().toExtend<Parameters<typeof kinesis>[0]>();
    expectTypeOf(kinesis).returns.resolves.toEqualTypeOf<KinesisStreamBatchResponse>();

    const streams = idempotentBatch(async (record: DynamoDBStreamEvent['Records'][number]) => record.eventName, { store });
    expectTypeOf<DynamoDBStreamEvent>().toExtend<Parameters<typeof streams>[0]>();
    expectTypeOf(streams).returns.resolves.toEqualTypeOf<DynamoDBBatchResponse>();

    const events = idempotentBatch(
      async (event: EventBridgeEvent<'OrderPlaced', { orderId: string }>) => event.detail.orderId.length,
      {
        store,
      },
    );
    expectTypeOf(events).parameter(0).toEqualTypeOf<EventBridgeEvent<'OrderPlaced', { orderId: string }>>();
    expectTypeOf(events).parameter(1).toEqualTypeOf<Context | undefined>();
    expectTypeOf(events).returns.resolves.toEqualTypeOf<number>();
  });
});
