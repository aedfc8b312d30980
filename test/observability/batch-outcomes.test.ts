import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type IdempotencyOutcome, idempotentBatch } from '../../src/index.js';
import { freshContext, sampleEvent } from '../batch/support.js';
import { type StoreFixture, storeFixture } from '../support/fixtures.js';

let fixture: StoreFixture;
beforeAll(async () => {
  fixture = await storeFixture();
});
afterAll(async () => {
  await fixture.table.drop();
});

it('records running concurrently in one batch each get their own outcome and request counts', async () => {
  const outcomes: IdempotencyOutcome[] = [];
  const handler = idempotentBatch(
    async (record) => {
      // Interleave the records' claims and completes, so a shared counter would mix them up.
      await new Promise((resolve) => setTimeout(resolve, 5 + (record.messageId.length % 7)));
      return record.messageId;
    },
    { store: fixture.store, concurrency: 4, onOutcome: (outcome) => void outcomes.push(outcome) },
  );
  const event = sampleEvent<SQSEvent>('sqs');
  const context = freshContext();
  await handler(event, context);
  await handler(event, context);
  const records = event.Records.length;
  expect(records).toBeGreaterThan(1);
  expect(outcomes.filter((outcome) => outcome.kind === 'executed')).toHaveLength(records);
  expect(outcomes.filter((outcome) => outcome.kind === 'replayed')).toHaveLength(records);
  for (const outcome of outcomes) {
    expect(outcome.requests).toEqual(
      outcome.kind === 'executed'
        ? { claim: 1, get: 0, complete: 1, release: 0, total: 2 }
        : { claim: 1, get: 0, complete: 0, release: 0, total: 1 },
    );
  }
  expect(new Set(outcomes.map((outcome) => outcome.recordId)).size).toBe(records);
});
