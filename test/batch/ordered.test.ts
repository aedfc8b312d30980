import { randomUUID } from 'node:crypto';
import type {
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamEvent,
  KinesisStreamRecord,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { idempotentBatch, RecordNotProcessedError } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

interface OrderMessage {
  eventId: string;
  orderId: string;
  type: string;
}

const failuresOf = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);
const sqsOrder = (record: SQSRecord) => JSON.parse(record.body) as OrderMessage;
const kinesisOrder = (record: KinesisStreamRecord) =>
  JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')) as OrderMessage;
const streamStep = (record: DynamoDBRecord) => `${record.dynamodb?.Keys?.orderId?.S}:${record.eventName}`;

const fixture = useStoreFixture();

describe('SQS FIFO', () => {
  it('fails the later records of the failed message group only, and runs them in order when they come back', async () => {
    const event = sampleEvent<SQSEvent>('sqs-fifo');
    const groupOf = (record: SQSRecord) => record.attributes.MessageGroupId;
    const [firstOfA] = event.Records as [SQSRecord];
    let failFirstOfA = true;
    const applied: string[] = [];
    const errors: unknown[] = [];
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        const order = sqsOrder(record);
        if (record.messageId === firstOfA.messageId && failFirstOfA) {
          failFirstOfA = false;
          throw new Error('ledger locked');
        }
        applied.push(`${groupOf(record)}:${order.type}`);
      },
      {
        store: fixture.store,
        concurrency: 2,
        logger: recordingLogger(),
        onRecordFailure: (_record, error) => void errors.push(error),
      },
    );
    const context = freshContext();

    const response = await handler(event, context);
    const groupA = event.Records.filter((record) => groupOf(record) === 'customer-A');
    expect(failuresOf(response)).toEqual(groupA.map((record) => record.messageId));
    expect(applied).toEqual(['customer-B:OrderPlaced', 'customer-B:OrderPaid']);
    expect(errors.slice(1)).toEqual([expect.any(RecordNotProcessedError), expect.any(RecordNotProcessedError)]);
    expect((errors[1] as RecordNotProcessedError).blockedBy).toBe(firstOfA.messageId);

    // SQS returns group A's messages, still in order; group B's were deleted.
    const redelivery = sampleEvent<SQSEvent>('sqs-fifo');
    redelivery.Records = redelivery.Records.filter((record) => groupOf(record) === 'customer-A');
    expect(await handler(redelivery, context)).toEqual({ batchItemFailures: [] });
    expect(applied.slice(2)).toEqual(['customer-A:OrderPlaced', 'customer-A:OrderPaid', 'customer-A:OrderShipped']);
  });

  it('runs the records of one group one at a time, and groups side by side', async () => {
    const event = sampleEvent<SQSEvent>('sqs-fifo');
    const inFlight = new Map<string, number>();
    let peakPerGroup = 0;
    let peakOverall = 0;
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        const group = record.attributes.MessageGroupId ?? '';
        inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
        peakPerGroup = Math.max(peakPerGroup, ...inFlight.values());
        peakOverall = Math.max(
          peakOverall,
          [...inFlight.values()].reduce((sum, count) => sum + count, 0),
        );
        // Long enough for the other group's claim to land meanwhile, also on a busy machine.
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight.set(group, (inFlight.get(group) ?? 0) - 1);
      },
      { store: fixture.store, concurrency: 5, logger: recordingLogger() },
    );
    expect(await handler(event, freshContext())).toEqual({ batchItemFailures: [] });
    expect(peakPerGroup).toBe(1);
    expect(peakOverall).toBe(2);
  });

  it('keys FIFO records by their deduplication id: a producer retry under a new message id is skipped', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.messageId), {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    await handler(sampleEvent('sqs-fifo'), context);
    const retried = sampleEvent<SQSEvent>('sqs-fifo');
    for (const record of retried.Records) record.messageId = randomUUID();
    expect(await handler(retried, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual(sampleEvent<SQSEvent>('sqs-fifo').Records.map((record) => record.messageId));
  });
});

describe('Kinesis', () => {
  it('reports sequence numbers, fails the rest of the failed partition key only, and skips what ran when the stream retries', async () => {
    const event = sampleEvent<KinesisStreamEvent>('kinesis');
    const [failing] = event.Records as [KinesisStreamRecord];
    let failOnce = true;
    const applied: string[] = [];
    const handler = idempotentBatch(
      async (record: KinesisStreamRecord) => {
        const order = kinesisOrder(record);
        if (record.eventID === failing.eventID && failOnce) {
          failOnce = false;
          throw new Error('ledger locked');
        }
        applied.push(`${order.orderId}:${order.type}`);
      },
      { store: fixture.store, key: 'kinesis.data.eventId', logger: recordingLogger() },
    );
    const context = freshContext();

    const response = await handler(event, context);
    const sameKey = event.Records.filter((record) => record.kinesis.partitionKey === failing.kinesis.partitionKey);
    expect(failuresOf(response)).toEqual(sameKey.map((record) => record.kinesis.sequenceNumber));
    expect(applied).toEqual(['order-3002:OrderPlaced', 'order-3002:OrderPaid']);

    // Lambda retries the shard from the lowest failed sequence number: every record comes back.
    expect(await handler(sampleEvent('kinesis'), context)).toEqual({ batchItemFailures: [] });
    expect(applied.slice(2)).toEqual(['order-3001:OrderPlaced', 'order-3001:OrderPaid']);
  });

  it('keys records by eventID by default and reports a data blob that is not JSON under a data path', async () => {
    const event = sampleEvent<KinesisStreamEvent>('kinesis');
    const broken = event.Records[1] as KinesisStreamRecord;
    broken.kinesis.data = Buffer.from('not json').toString('base64');
    const errors: unknown[] = [];
    const handler = idempotentBatch(async (_record: KinesisStreamRecord) => undefined, {
      store: fixture.store,
      key: 'kinesis.data.eventId',
      groupBy: false,
      logger: recordingLogger(),
      onRecordFailure: (_record, error) => void errors.push(error),
    });
    expect(failuresOf(await handler(event, freshContext()))).toEqual([broken.kinesis.sequenceNumber]);
    expect((errors[0] as Error).message).toMatch(/"kinesis\.data" does not decode to JSON/);

    const runs: string[] = [];
    const byEventId = idempotentBatch(async (record: KinesisStreamRecord) => void runs.push(record.eventID), {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    await byEventId(sampleEvent('kinesis'), context);
    await byEventId(sampleEvent('kinesis'), context);
    expect(runs).toEqual(sampleEvent<KinesisStreamEvent>('kinesis').Records.map((record) => record.eventID));
  });
});

describe('DynamoDB Streams', () => {
  it('reports SequenceNumber, keeps each item in order, and skips what ran when the stream retries', async () => {
    const event = sampleEvent<DynamoDBStreamEvent>('dynamodb-stream');
    const [failing] = event.Records as [DynamoDBRecord];
    let failOnce = true;
    const applied: string[] = [];
    const handler = idempotentBatch(
      async (record: DynamoDBRecord) => {
        if (record.eventID === failing.eventID && failOnce) {
          failOnce = false;
          throw new Error('projection unavailable');
        }
        applied.push(streamStep(record));
      },
      { store: fixture.store, concurrency: 2, logger: recordingLogger() },
    );
    const context = freshContext();

    const response = await handler(event, context);
    const sameItem = event.Records.filter((record) => record.dynamodb?.Keys?.orderId?.S === 'order-4001');
    expect(failuresOf(response)).toEqual(sameItem.map((record) => record.dynamodb?.SequenceNumber));
    expect(applied).toEqual(['order-4002:INSERT', 'order-4002:MODIFY']);

    expect(await handler(sampleEvent('dynamodb-stream'), context)).toEqual({ batchItemFailures: [] });
    expect(applied.slice(2)).toEqual(['order-4001:INSERT', 'order-4001:MODIFY']);
  });

  it('keeps the whole batch in order with a constant group', async () => {
    const event = sampleEvent<DynamoDBStreamEvent>('dynamodb-stream');
    const handler = idempotentBatch(
      async (record: DynamoDBRecord) => {
        if (record.eventID === event.Records[0]?.eventID) throw new Error('projection unavailable');
      },
      { store: fixture.store, groupBy: () => 'shard', concurrency: 4, logger: recordingLogger() },
    );
    const response = await handler(event, freshContext());
    expect(failuresOf(response)).toEqual(event.Records.map((record) => record.dynamodb?.SequenceNumber));
  });
});
