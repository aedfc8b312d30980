import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  BatchFailedError,
  idempotentBatch,
  type KafkaBatchResponse,
  MalformedRecordError,
  RecordNotProcessedError,
} from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

interface OrderMessage {
  eventId: string;
  orderId: string;
  type: string;
}

type KafkaEvent = MSKEvent | SelfManagedKafkaEvent;

const orderOf = (record: MSKRecord) => JSON.parse(Buffer.from(record.value, 'base64').toString('utf8')) as OrderMessage;
const positionOf = (record: MSKRecord) => `${record.topic}-${record.partition}@${record.offset}`;
const recordsOf = (event: KafkaEvent) => Object.values(event.records).flat();

const fixture = useStoreFixture();

describe.each([
  ['Amazon MSK', 'msk'],
  ['self-managed Apache Kafka', 'self-managed-kafka'],
] as const)('idempotentBatch with %s', (_name, sample) => {
  const event = () => sampleEvent<KafkaEvent>(sample);

  it('runs each record once by cluster, topic, partition and offset; a redelivered batch runs nothing', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (record: MSKRecord) => void runs.push(positionOf(record)), {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    expect(await handler(event(), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual(['mytopic-0@15', 'mytopic-0@16', 'mytopic-0@17', 'mytopic-1@3', 'mytopic-1@4']);
    expect(await handler(event(), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toHaveLength(5);
  });

  it('runs the same topic, partition and offset again when they come from another cluster', async () => {
    let runs = 0;
    const handler = idempotentBatch(async (_record: MSKRecord) => void runs++, {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    await handler(event(), context);
    const otherCluster = event();
    if (otherCluster.eventSource === 'aws:kafka')
      otherCluster.eventSourceArn = otherCluster.eventSourceArn.replace('vpc-2priv-2pub', 'other');
    else otherCluster.bootstrapServers = 'broker-1.other.example:9092';
    await handler(otherCluster, context);
    expect(runs).toBe(recordsOf(event()).length * 2);
  });

  it('reports failures in the guide’s shape with reportBatchItemFailures, keeps the partition’s order, and runs the other partition', async () => {
    const applied: string[] = [];
    let failOnce = true;
    const errors: unknown[] = [];
    const handler = idempotentBatch(
      async (record: MSKRecord) => {
        if (record.partition === 0 && record.offset === 16 && failOnce) {
          failOnce = false;
          throw new Error('ledger locked');
        }
        applied.push(positionOf(record));
      },
      {
        store: fixture.store,
        reportBatchItemFailures: true,
        concurrency: 2,
        logger: recordingLogger(),
        onRecordFailure: (_record, error) => void errors.push(error),
      },
    );
    const context = freshContext();

    const response: KafkaBatchResponse = await handler(event(), context);
    // docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html#kafka-partial-batch-response
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'mytopic-0', offset: 16 } },
        { itemIdentifier: { partition: 'mytopic-0', offset: 17 } },
      ],
    });
    expect(applied).toEqual(expect.arrayContaining(['mytopic-0@15', 'mytopic-1@3', 'mytopic-1@4']));
    expect(applied).toHaveLength(3);
    expect(errors[1]).toBeInstanceOf(RecordNotProcessedError);
    expect((errors[1] as RecordNotProcessedError).blockedBy).toBe('mytopic-0@16');

    // Lambda resumes partition 0 from offset 16: the two records come back, in order.
    const redelivery = event();
    redelivery.records = { 'mytopic-0': (redelivery.records['mytopic-0'] ?? []).filter((record) => record.offset >= 16) };
    expect(await handler(redelivery, context)).toEqual({ batchItemFailures: [] });
    expect(applied.slice(3)).toEqual(['mytopic-0@16', 'mytopic-0@17']);
  });

  it('fails the invocation by default (on-demand pollers read no partial response); the retried batch skips what completed', async () => {
    const applied: string[] = [];
    let failOnce = true;
    const handler = idempotentBatch(
      async (record: MSKRecord) => {
        if (record.partition === 1 && record.offset === 3 && failOnce) {
          failOnce = false;
          throw new Error('ledger locked');
        }
        applied.push(positionOf(record));
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const context = freshContext();

    const failure = await handler(event(), context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BatchFailedError);
    const { failures, cause } = failure as BatchFailedError;
    expect(failures.map((failed) => failed.itemIdentifier)).toEqual(['mytopic-1@3', 'mytopic-1@4']);
    expect(failures[1]?.error).toBeInstanceOf(RecordNotProcessedError);
    expect((cause as Error).message).toBe('ledger locked');
    expect(applied).toEqual(['mytopic-0@15', 'mytopic-0@16', 'mytopic-0@17']);

    // Lambda retries the whole batch: partition 0 is skipped, partition 1 runs in order.
    expect(await handler(event(), context)).toEqual({ batchItemFailures: [] });
    expect(applied.slice(3)).toEqual(['mytopic-1@3', 'mytopic-1@4']);
  });

  it('keys by the decoded JSON value with a dotted path, and reports a value that is not JSON as malformed', async () => {
    const applied: string[] = [];
    const errors: unknown[] = [];
    const handler = idempotentBatch(async (record: MSKRecord) => void applied.push(orderOf(record).eventId), {
      store: fixture.store,
      key: 'value.eventId',
      reportBatchItemFailures: true,
      groupBy: false,
      logger: recordingLogger(),
      onRecordFailure: (_record, error) => void errors.push(error),
    });
    const context = freshContext();
    // The guide's own record carries "Hello, this is a test." as its value: not JSON.
    expect(await handler(event(), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'mytopic-0', offset: 15 } }],
    });
    expect(errors).toEqual([expect.any(MalformedRecordError)]);
    expect((errors[0] as Error).message).toMatch(/"value" does not decode to JSON/);
    expect(applied).toEqual(['evt-k16', 'evt-k17', 'evt-k103', 'evt-k104']);

    // The same event id at another offset (a producer's retry) is the same message.
    const resent = event();
    const [, placed] = resent.records['mytopic-0'] as MSKRecord[];
    resent.records = { 'mytopic-0': [{ ...(placed as MSKRecord), offset: 99 }] };
    await handler(resent, context);
    expect(applied).toHaveLength(4);
  });

  it('types the Lambda handler after the Kafka record', () => {
    const handler = idempotentBatch(async (record: MSKRecord) => record.offset, { store: fixture.store });
    expectTypeOf<MSKEvent>().toExtend<Parameters<typeof handler>[0]>();
    expectTypeOf<SelfManagedKafkaEvent>().toExtend<Parameters<typeof handler>[0]>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<KafkaBatchResponse>();
  });
});

describe('self-managed Kafka cluster identity', () => {
  it('counts one cluster listed in another order as the same cluster', async () => {
    let runs = 0;
    const handler = idempotentBatch(async (_record: MSKRecord) => void runs++, {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    const event = sampleEvent<SelfManagedKafkaEvent>('self-managed-kafka');
    await handler(event, context);
    const reordered = sampleEvent<SelfManagedKafkaEvent>('self-managed-kafka');
    reordered.bootstrapServers = reordered.bootstrapServers.split(',').reverse().join(', ');
    await handler(reordered, context);
    expect(runs).toBe(recordsOf(event).length);
  });
});
