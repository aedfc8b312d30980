import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotentBatch } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

/** One message of a generated FIFO batch: its deduplication key, its group, and whether it fails once. */
interface Message {
  readonly key: number;
  /** `none`: no ordering, as in a standard queue. */
  readonly group: 'A' | 'B' | 'C' | 'none';
}

const scenarios = fc.record({
  // Keys repeat: a producer retry re-sends the same message under a new message id.
  messages: fc.array(fc.record({ key: fc.nat(7), group: fc.constantFrom<Message['group']>('A', 'B', 'C', 'none') }), {
    minLength: 1,
    maxLength: 12,
  }),
  flaky: fc.uniqueArray(fc.nat(7), { maxLength: 4 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
});

/** A producer sends a message to one group only: a repeated key keeps its first group. */
function consistent(messages: readonly Message[]): Message[] {
  const groupOfKey = new Map<number, Message['group']>();
  return messages.map(({ key, group }) => {
    if (!groupOfKey.has(key)) groupOfKey.set(key, group);
    return { key, group: groupOfKey.get(key) as Message['group'] };
  });
}

function fifoRecords(messages: readonly Message[]): SQSRecord[] {
  const template = sampleEvent<SQSEvent>('sqs-fifo').Records[0] as SQSRecord;
  return messages.map(({ key, group }) => ({
    ...structuredClone(template),
    messageId: randomUUID(),
    body: JSON.stringify({ key }),
    attributes: { ...template.attributes, MessageGroupId: group, MessageDeduplicationId: `dedup-${key}` },
  }));
}

describe('idempotentBatch under redelivery (property)', () => {
  it('applies every message exactly once and each group in order, whatever fails and however often it is delivered', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ messages: generated, flaky, concurrency }) => {
        const messages = consistent(generated);
        const failedOnce = new Set<number>();
        const applied: { key: number; group: string }[] = [];
        const handler = idempotentBatch(
          async (record: SQSRecord) => {
            const { key } = JSON.parse(record.body) as { key: number };
            if (flaky.includes(key) && !failedOnce.has(key)) {
              failedOnce.add(key);
              throw new Error(`message ${key} fails once`);
            }
            // Copies of one message overlap when they are not ordered.
            await new Promise((resolve) => setTimeout(resolve, key % 3));
            applied.push({ key, group: record.attributes.MessageGroupId ?? '' });
          },
          {
            store: fixture.store,
            concurrency,
            groupBy: (record) => (record.attributes.MessageGroupId === 'none' ? undefined : record.attributes.MessageGroupId),
            logger: recordingLogger(),
          },
        );
        const context = freshContext();

        // Lambda hands back exactly the reported messages, in queue order, until none fails.
        let batch = fifoRecords(messages);
        for (let round = 0; batch.length > 0; round++) {
          expect(round).toBeLessThanOrEqual(messages.length);
          const { batchItemFailures } = await handler({ Records: batch }, context);
          const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
          batch = batch.filter((record) => failed.has(record.messageId));
        }

        const distinctKeys = [...new Set(messages.map((message) => message.key))];
        expect(applied.map((entry) => entry.key).sort()).toEqual(distinctKeys.sort());
        for (const group of ['A', 'B', 'C']) {
          const expectedOrder = [...new Set(messages.filter((message) => message.group === group).map((message) => message.key))];
          expect(applied.filter((entry) => entry.group === group).map((entry) => entry.key)).toEqual(expectedOrder);
        }
      }),
      { numRuns: 40 },
    );
  });
});
