import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { idempotentBatch, makeIdempotent } from '../../src/index.js';
import { invocationContext } from '../../src/lambda/invocation.js';
import { sampleEvent } from '../batch/support.js';
import { uniqueKey, useStoreFixture } from '../support/fixtures.js';
import {
  claimExpiryOf,
  contextWithDeadline,
  DEADLINE_TOLERANCE_MS,
  functionNameFor,
  interleaver,
  shuffledCopies,
  spacedDeadlines,
} from './support.js';

const fixture = useStoreFixture();

interface Applied {
  messageId: string;
  body: string;
  executedBy: string;
  ownInvocationThroughout: boolean;
  claimUntil: number;
}

describe('idempotentBatch: overlapping SQS batches in one process', () => {
  it('run each message once across batches, skip its copies with its result, inner calls on their own deadline', async () => {
    const functionName = functionNameFor('batch');
    const gate = interleaver(0xba7c4);
    const executions = new Map<string, number>();
    const applied = new Map<string, Applied>();
    const duplicates: { record: SQSRecord; stored: Applied }[] = [];
    const charge = makeIdempotent(
      async (payment: { paymentId: string }) => {
        await gate.pause();
        return claimExpiryOf(fixture, `${functionName}:charge`, payment.paymentId);
      },
      { store: fixture.store, key: 'paymentId', name: 'charge' },
    );
    const handler = idempotentBatch<SQSRecord, Applied>(
      async (record, context) => {
        executions.set(record.messageId, (executions.get(record.messageId) ?? 0) + 1);
        const own = [invocationContext() === context];
        await gate.pause();
        const claimUntil = await charge({ paymentId: record.messageId });
        own.push(invocationContext() === context);
        await gate.pause();
        own.push(invocationContext() === context);
        const result = {
          messageId: record.messageId,
          body: record.body,
          executedBy: context?.awsRequestId ?? '',
          ownInvocationThroughout: !own.includes(false),
          claimUntil,
        };
        applied.set(record.messageId, result);
        return result;
      },
      {
        store: fixture.store,
        concurrency: 3,
        waitForInProgress: { timeoutMs: 20_000, initialDelayMs: 5, maxDelayMs: 25 },
        onDuplicate: (record, stored) => void duplicates.push({ record, stored: stored as Applied }),
        logger: { warn: () => undefined, error: () => undefined },
      },
    );

    // 24 messages, each delivered in two batches (SQS at-least-once), 8 batches of 6 running at once.
    const template = sampleEvent<SQSEvent>('sqs').Records[0] as SQSRecord;
    const messageIds = Array.from({ length: 24 }, () => uniqueKey());
    const deliveries = shuffledCopies(messageIds, 2, 0x5a5);
    const batches = Array.from({ length: 8 }, (_, batch) => deliveries.slice(batch * 6, batch * 6 + 6));
    const deadlines = spacedDeadlines(batches.length, 5_000);
    const contexts = batches.map((_, index) => contextWithDeadline(deadlines[index] as number, functionName));
    const indexOfRequest = new Map(contexts.map((context, index) => [context.awsRequestId, index]));
    const events = batches.map(
      (ids): SQSEvent => ({
        Records: ids.map((messageId) => ({
          ...template,
          messageId,
          body: JSON.stringify({ messageId, amount: messageId.length }),
        })),
      }),
    );
    const responses = await gate.drive(events.map((event, index) => handler(event, contexts[index] as Context)));

    expect(responses).toEqual(batches.map(() => ({ batchItemFailures: [] })));
    expect(executions.size).toBe(messageIds.length);
    expect([...executions.values()]).toEqual(messageIds.map(() => 1));
    for (const result of applied.values()) {
      const executor = indexOfRequest.get(result.executedBy) as number;
      expect(batches[executor]).toContain(result.messageId);
      expect(result.ownInvocationThroughout).toBe(true);
      expect(Math.abs(result.claimUntil - (deadlines[executor] as number))).toBeLessThanOrEqual(DEADLINE_TOLERANCE_MS);
    }
    // Every second delivery was skipped with the result its first delivery stored.
    expect(duplicates).toHaveLength(deliveries.length - messageIds.length);
    for (const { record, stored } of duplicates) {
      expect(stored).toEqual(applied.get(record.messageId));
      expect(stored.body).toBe(record.body);
    }
  });
});
