import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { idempotentBatch, type PipesKinesisRecord, UnsupportedEventError } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

/** The Kinesis records of a pipe, as the event source mapping nests them. */
function asMappingEvent(records: PipesKinesisRecord[]): KinesisStreamEvent {
  return {
    Records: records.map(
      ({ kinesisSchemaVersion, partitionKey, sequenceNumber, data, approximateArrivalTimestamp, ...rest }) => ({
        ...rest,
        kinesis: { kinesisSchemaVersion, partitionKey, sequenceNumber, data, approximateArrivalTimestamp },
      }),
    ),
  };
}

describe('idempotentBatch as the Lambda target of an EventBridge pipe', () => {
  it('takes an SQS pipe batch with the default keys of the wrapped form, and names failures by messageId', async () => {
    const records = sampleEvent<SQSRecord[]>('pipes-sqs');
    const [first, second] = records as [SQSRecord, SQSRecord];
    const runs: string[] = [];
    let failSecond = true;
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        if (record.messageId === second.messageId && failSecond) {
          failSecond = false;
          throw new Error('downstream unavailable');
        }
        runs.push(record.messageId);
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();

    expect(await handler(records, context)).toEqual({ batchItemFailures: [{ itemIdentifier: second.messageId }] });
    // The same messages from the queue's event source mapping are the same records.
    expect(await handler({ Records: sampleEvent<SQSRecord[]>('pipes-sqs') }, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual([first.messageId, second.messageId]);
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<SQSBatchResponse>();
  });

  it('takes a Kinesis pipe batch, whose fields are not nested, and names failures by eventID as a pipe expects', async () => {
    const records = sampleEvent<PipesKinesisRecord[]>('pipes-kinesis');
    const [first, second] = records as [PipesKinesisRecord, PipesKinesisRecord];
    const runs: string[] = [];
    let failFirst = true;
    const handler = idempotentBatch(
      async (record: PipesKinesisRecord) => {
        if (record.eventID === first.eventID && failFirst) {
          failFirst = false;
          throw new Error('downstream unavailable');
        }
        runs.push(Buffer.from(record.data, 'base64').toString('utf8'));
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();

    // Both records share partition key "1": the second waits on the first, so both come back.
    expect(await handler(records, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: first.eventID }, { itemIdentifier: second.eventID }],
    });
    expect(runs).toEqual([]);
    expect(await handler(sampleEvent<PipesKinesisRecord[]>('pipes-kinesis'), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual(['Hello, this is a test.', 'This is only a test.']);
    expectTypeOf(handler).parameter(0).toEqualTypeOf<PipesKinesisRecord[]>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<KinesisStreamBatchResponse>();

    // The stream's event source mapping delivers the same records nested: the same keys, skipped.
    let mappingRuns = 0;
    const mapping = idempotentBatch(async (_record: KinesisStreamRecord) => void mappingRuns++, {
      store: fixture.store,
      logger: recordingLogger(),
      keyPrefix: `${context.functionName}.batch-record`,
    });
    expect(await mapping(asMappingEvent(sampleEvent('pipes-kinesis')), context)).toEqual({ batchItemFailures: [] });
    expect(mappingRuns).toBe(0);
  });

  it('decodes a pipe’s Kinesis `data` for a dotted key path: two records of one order run once', async () => {
    const records = sampleEvent<PipesKinesisRecord[]>('pipes-kinesis');
    for (const record of records) record.data = Buffer.from(JSON.stringify({ orderId: 'order-7001' })).toString('base64');
    let runs = 0;
    const handler = idempotentBatch(async (_record: PipesKinesisRecord) => void runs++, {
      store: fixture.store,
      key: 'data.orderId',
      logger: recordingLogger(),
    });
    expect(await handler(records, freshContext())).toEqual({ batchItemFailures: [] });
    expect(runs).toBe(1);
  });

  it('takes a DynamoDB Streams pipe batch with the default keys of the wrapped form, and names failures by eventID', async () => {
    const records = sampleEvent<DynamoDBRecord[]>('pipes-dynamodb');
    const [insert, modify] = records as [DynamoDBRecord, DynamoDBRecord];
    const runs: string[] = [];
    let failInsert = true;
    const handler = idempotentBatch(
      async (record: DynamoDBRecord) => {
        if (record.eventID === insert.eventID && failInsert) {
          failInsert = false;
          throw new Error('downstream unavailable');
        }
        runs.push(String(record.eventName));
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();

    // One item: the MODIFY waits on the failed INSERT.
    expect(await handler(records, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: insert.eventID }, { itemIdentifier: modify.eventID }],
    });
    expect(await handler(sampleEvent<DynamoDBRecord[]>('pipes-dynamodb'), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual(['INSERT', 'MODIFY']);
    // Through the event source mapping: the same keys, skipped, and failures named by sequence number.
    expect(await handler({ Records: sampleEvent<DynamoDBRecord[]>('pipes-dynamodb') }, context)).toEqual({
      batchItemFailures: [],
    });
    expect(runs).toHaveLength(2);
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<DynamoDBBatchResponse>();
  });

  it('answers an empty pipe batch with no failures, and refuses an array of another source', async () => {
    const handler = idempotentBatch(async () => undefined, { store: fixture.store, logger: recordingLogger() });
    expect(await handler([], freshContext())).toEqual({ batchItemFailures: [] });
    const kafkaThroughPipe = [{ eventSource: 'SelfManagedKafka', topic: 'mytopic', partition: '0', offset: 15 }];
    await expect(handler(kafkaThroughPipe as unknown as SQSRecord[], freshContext())).rejects.toThrow(UnsupportedEventError);
    await expect(handler(kafkaThroughPipe as unknown as SQSRecord[], freshContext())).rejects.toThrow(
      /element 0 has eventSource "SelfManagedKafka"; supported pipe sources are "aws:sqs", "aws:kinesis" and "aws:dynamodb"/,
    );
    const mixed = [...sampleEvent<SQSRecord[]>('pipes-sqs'), ...sampleEvent<SQSRecord[]>('pipes-dynamodb')];
    await expect(handler(mixed, freshContext())).rejects.toThrow(/Element 2 of the pipe batch comes from "aws:dynamodb"/);
  });
});
