import type { DynamoDBRecord, DynamoDBStreamEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { idempotentBatch } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

/** The same batch as it would arrive from another queue or stream of that kind. */
function fromOtherSource<T extends { Records: Array<{ eventSourceARN?: string }> }>(event: T): T {
  for (const record of event.Records)
    record.eventSourceARN = `${record.eventSourceARN}-other`.replace(/\.fifo-other$/, '-other.fifo');
  return event;
}

describe('default record keys follow each source’s own deduplication scope', () => {
  it('runs an SQS FIFO message again when the same deduplication id arrives in another message group', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.attributes.MessageGroupId ?? ''), {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    const first = sampleEvent<SQSEvent>('sqs-fifo');
    await handler(first, context);
    const otherGroup = sampleEvent<SQSEvent>('sqs-fifo');
    for (const record of otherGroup.Records) record.attributes.MessageGroupId = `${record.attributes.MessageGroupId}-b`;
    await handler(otherGroup, context);
    expect(runs).toHaveLength(first.Records.length * 2);
  });

  it('runs a FIFO message once across message groups with the documented queue-wide key, and still once per queue', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.eventSourceARN), {
      store: fixture.store,
      logger: recordingLogger(),
      key: (record: SQSRecord) => [record.eventSourceARN, record.attributes.MessageDeduplicationId],
    });
    const context = freshContext();
    const first = sampleEvent<SQSEvent>('sqs-fifo');
    await handler(first, context);
    const otherGroup = sampleEvent<SQSEvent>('sqs-fifo');
    for (const record of otherGroup.Records) record.attributes.MessageGroupId = `${record.attributes.MessageGroupId}-b`;
    await handler(otherGroup, context);
    expect(runs).toHaveLength(first.Records.length);
    await handler(fromOtherSource(sampleEvent<SQSEvent>('sqs-fifo')), context);
    expect(runs).toHaveLength(first.Records.length * 2);
  });

  it.each(['sqs-fifo', 'sqs'] as const)('runs a %s message again when the same ids arrive from another queue', async (sample) => {
    let runs = 0;
    const handler = idempotentBatch(async () => void runs++, { store: fixture.store, logger: recordingLogger() });
    const context = freshContext();
    const event = sampleEvent<SQSEvent>(sample);
    await handler(event, context);
    const otherQueue: SQSEvent = fromOtherSource(sampleEvent<SQSEvent>(sample));
    await handler(otherQueue, context);
    await handler(sampleEvent<SQSEvent>(sample), context);
    expect(runs).toBe(event.Records.length * 2);
  });

  it('runs a DynamoDB Streams change again when the same event id arrives from another table', async () => {
    let runs = 0;
    const handler = idempotentBatch(async (_change: DynamoDBRecord) => void runs++, {
      store: fixture.store,
      logger: recordingLogger(),
    });
    const context = freshContext();
    const event = sampleEvent<DynamoDBStreamEvent>('dynamodb-stream');
    await handler(event, context);
    const otherTable: DynamoDBStreamEvent = fromOtherSource(sampleEvent<DynamoDBStreamEvent>('dynamodb-stream'));
    await handler(otherTable, context);
    expect(runs).toBe(event.Records.length * 2);
  });
});
