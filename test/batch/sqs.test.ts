import type { SQSEvent, SQSHandler, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotentBatch } from '../../src/index.js';
import { type StoreFixture, storeFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

let fixture: StoreFixture;
beforeAll(async () => {
  fixture = await storeFixture();
});
afterAll(async () => {
  await fixture.table.drop();
});

describe('idempotentBatch with SQS', () => {
  it('keeps the documented form: a record handler and a key selector make an SQS handler', async () => {
    const applied: string[] = [];
    const handler: SQSHandler = idempotentBatch(
      async (record) => {
        applied.push((JSON.parse(record.body) as { orderId: string }).orderId);
      },
      { store: fixture.store, key: (record) => record.messageId, logger: recordingLogger() },
    );
    const event = sampleEvent<SQSEvent>('sqs');
    const response = await handler(event, freshContext(), () => undefined);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(applied).toEqual(['order-1001', 'order-1002', 'order-1003']);
  });

  it('runs the record handler once for a message delivered twice in one batch; a redelivered batch runs nothing', async () => {
    const runs = new Map<string, number>();
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        runs.set(record.messageId, (runs.get(record.messageId) ?? 0) + 1);
        return { applied: record.messageId };
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const event = sampleEvent<SQSEvent>('sqs');
    const [first] = event.Records as [SQSRecord];
    event.Records.push(structuredClone(first));
    const context = freshContext();

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect([...runs.values()]).toEqual([1, 1, 1]);

    expect(await handler(sampleEvent<SQSEvent>('sqs'), context)).toEqual({ batchItemFailures: [] });
    expect([...runs.values()]).toEqual([1, 1, 1]);
  });
});
