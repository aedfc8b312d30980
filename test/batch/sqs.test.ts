import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSHandler, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  idempotentBatch,
  MalformedRecordError,
  MissingIdempotencyKeyError,
  makeIdempotent,
  UnsupportedEventError,
} from '../../src/index.js';
import { deferred, useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

interface OrderMessage {
  eventId: string;
  orderId: string;
  type: string;
  amount: number;
}

const orderOf = (record: SQSRecord) => JSON.parse(record.body) as OrderMessage;
const idsOf = (event: SQSEvent) => event.Records.map((record) => record.messageId);
const failuresOf = (response: unknown) =>
  (response as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures.map((failure) => failure.itemIdentifier);

const fixture = useStoreFixture();
beforeEach(() => {
  fixture.commands.reset();
});

describe('idempotentBatch with a standard SQS queue', () => {
  it('keeps the documented form: a record handler and a key selector make an SQS handler', async () => {
    const applied: string[] = [];
    const handler: SQSHandler = idempotentBatch(
      async (record) => {
        applied.push(orderOf(record).orderId);
      },
      { store: fixture.store, key: (record) => record.messageId, logger: recordingLogger() },
    );
    const response = await handler(sampleEvent<SQSEvent>('sqs'), freshContext(), () => undefined);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(applied).toEqual(['order-1001', 'order-1002', 'order-1003']);
  });

  it('runs a message delivered twice in one batch once; a redelivered batch runs nothing and reports no failures', async () => {
    const runs: string[] = [];
    const duplicates: [string, unknown][] = [];
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        runs.push(record.messageId);
        // Slow enough that the copy starts while the first is still running.
        await new Promise((resolve) => setTimeout(resolve, 25));
        return { applied: orderOf(record).orderId };
      },
      {
        store: fixture.store,
        concurrency: 4,
        logger: recordingLogger(),
        onDuplicate: (record, stored) => void duplicates.push([record.messageId, stored]),
      },
    );
    const event = sampleEvent<SQSEvent>('sqs');
    const [first] = event.Records as [SQSRecord];
    event.Records.push(structuredClone(first));
    const context = freshContext();

    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(runs.sort()).toEqual(idsOf(sampleEvent('sqs')).sort());
    expect(duplicates).toEqual([[first.messageId, { applied: 'order-1001' }]]);

    fixture.commands.reset();
    const redelivered = sampleEvent<SQSEvent>('sqs');
    expect(await handler(redelivered, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toHaveLength(3);
    // Every redelivered record is skipped with the result its first run stored.
    expect(duplicates.slice(1).sort()).toEqual(
      redelivered.Records.map((record) => [record.messageId, { applied: orderOf(record).orderId }]).sort(),
    );
    expect(fixture.commands.counts.get('UpdateItem') ?? 0).toBe(0);
    expect(fixture.commands.counts.get('DeleteItem') ?? 0).toBe(0);
  });

  it('costs 2 requests per new record and 1 per duplicate (2 where the endpoint does not return the old item), 0 from the local cache', async () => {
    const handler = idempotentBatch(async () => 'done', { store: fixture.store, logger: recordingLogger() });
    const cached = idempotentBatch(async () => 'done', { store: fixture.store, logger: recordingLogger(), localCache: true });
    const context = freshContext();
    await handler(sampleEvent('sqs'), context);
    expect(Object.fromEntries(fixture.commands.counts)).toEqual({ PutItem: 3, UpdateItem: 3 });

    fixture.commands.reset();
    await handler(sampleEvent('sqs'), context);
    const perDuplicate = fixture.returnsItemOnConditionFailure ? 1 : 2;
    expect(fixture.commands.total()).toBe(3 * perDuplicate);

    const cachedContext = freshContext();
    await cached(sampleEvent('sqs'), cachedContext);
    fixture.commands.reset();
    await cached(sampleEvent('sqs'), cachedContext);
    expect(fixture.commands.total()).toBe(0);
  });

  it('reports exactly the failing record; its redelivery runs it again and nothing else', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const failing = event.Records[1] as SQSRecord;
    let failNext = true;
    const runs: string[] = [];
    const logger = recordingLogger();
    const failures: unknown[] = [];
    const handler = idempotentBatch(
      async (record: SQSRecord) => {
        runs.push(record.messageId);
        if (record.messageId === failing.messageId && failNext) {
          failNext = false;
          throw new Error('ledger unavailable');
        }
      },
      { store: fixture.store, logger, onRecordFailure: (_record, error) => void failures.push(error) },
    );
    const context = freshContext();

    const response = await handler(event, context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(runs).toEqual(idsOf(event));
    expect(failures).toEqual([new Error('ledger unavailable')]);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]?.details).toMatchObject({
      itemIdentifier: failing.messageId,
      name: 'Error',
      error: 'ledger unavailable',
    });

    // Lambda puts the failed message back on the queue; the others were deleted.
    expect(await handler({ Records: [structuredClone(failing)] }, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual([...idsOf(event), failing.messageId]);
    // Had the whole batch come back, only the failed record would have run.
    expect(await handler(sampleEvent('sqs'), context)).toEqual({ batchItemFailures: [] });
    expect(runs).toHaveLength(4);
  });

  it('reports a record still in progress in another invocation as failed, and skips it once that one completes', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const contested = event.Records[0] as SQSRecord;
    const gate = deferred();
    const started = deferred();
    const runs: string[] = [];
    const firstContainer = idempotentBatch(
      async (record: SQSRecord) => {
        runs.push(`first:${record.messageId}`);
        started.resolve();
        await gate.promise;
        return 'from the first container';
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    const duplicates: unknown[] = [];
    const logger = recordingLogger();
    const secondContainer = idempotentBatch(
      async (record: SQSRecord) => {
        runs.push(`second:${record.messageId}`);
        return 'from the second container';
      },
      { store: fixture.store, logger, onDuplicate: (_record, stored) => void duplicates.push(stored) },
    );
    const context = freshContext();

    const slow = firstContainer({ Records: [structuredClone(contested)] }, context);
    await started.promise;
    const response = await secondContainer(event, context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: contested.messageId }] });
    expect(logger.errors[0]?.details).toMatchObject({ itemIdentifier: contested.messageId, name: 'InProgressError' });
    expect(runs).toEqual([
      `first:${contested.messageId}`,
      ...idsOf(event)
        .slice(1)
        .map((id) => `second:${id}`),
    ]);

    gate.resolve();
    expect(await slow).toEqual({ batchItemFailures: [] });
    expect(await secondContainer({ Records: [structuredClone(contested)] }, context)).toEqual({ batchItemFailures: [] });
    expect(duplicates).toEqual(['from the first container']);
    expect(runs).toHaveLength(3);
  });

  it('reports bad records with a typed error and processes the others', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const [good, notJson, noKey] = event.Records as [SQSRecord, SQSRecord, SQSRecord];
    notJson.body = 'orderId=order-1002&amount=1250';
    noKey.body = JSON.stringify({ orderId: 'order-1003', amount: 990 });
    const runs: string[] = [];
    const logger = recordingLogger();
    const errors: unknown[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(orderOf(record).orderId), {
      store: fixture.store,
      key: 'body.eventId',
      logger,
      onRecordFailure: (_record, error) => void errors.push(error),
    });

    const response = await handler(event, freshContext());
    expect(failuresOf(response)).toEqual([notJson.messageId, noKey.messageId]);
    expect(runs).toEqual([orderOf(good).orderId]);
    expect(errors[0]).toBeInstanceOf(MalformedRecordError);
    expect((errors[0] as MalformedRecordError).itemIdentifier).toBe(notJson.messageId);
    expect((errors[0] as Error).message).toMatch(/"body" is not JSON/);
    expect(errors[1]).toBeInstanceOf(MissingIdempotencyKeyError);
    expect((errors[1] as Error).message).toContain(noKey.messageId);
    expect(logger.errors.map((entry) => entry.details?.name)).toEqual(['MalformedRecordError', 'MissingIdempotencyKeyError']);
  });

  it('keys records by a business key from the body: a re-sent event with a new message id is skipped', async () => {
    const runs: string[] = [];
    const handler = idempotentBatch(async (record: SQSRecord) => void runs.push(record.messageId), {
      store: fixture.store,
      key: 'body.eventId',
      logger: recordingLogger(),
    });
    const context = freshContext();
    await handler(sampleEvent('sqs'), context);
    const resent = sampleEvent<SQSEvent>('sqs');
    for (const record of resent.Records) record.messageId = randomUUID();
    expect(await handler(resent, context)).toEqual({ batchItemFailures: [] });
    expect(runs).toEqual(idsOf(sampleEvent('sqs')));
  });

  it('runs at most `concurrency` records at once, and all of them', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const template = event.Records[0] as SQSRecord;
    event.Records = Array.from({ length: 10 }, () => ({ ...structuredClone(template), messageId: randomUUID() }));
    let inFlight = 0;
    let peak = 0;
    const handler = idempotentBatch(
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight--;
      },
      { store: fixture.store, concurrency: 3, logger: recordingLogger() },
    );
    const sequential = idempotentBatch(
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
      },
      { store: fixture.store, logger: recordingLogger() },
    );

    expect(await handler(event, freshContext())).toEqual({ batchItemFailures: [] });
    expect(peak).toBe(3);
    peak = 0;
    expect(await sequential(event, freshContext())).toEqual({ batchItemFailures: [] });
    expect(peak).toBe(1);
  });

  it('keeps its records apart from other idempotent functions of the Lambda, and bounds each claim by the remaining time', async () => {
    const context = freshContext(7_000);
    const record = sampleEvent<SQSEvent>('sqs').Records[0] as SQSRecord;
    let claim: Record<string, unknown> | undefined;
    let claimedBefore = 0;
    const handler = idempotentBatch(
      async (received: SQSRecord) => {
        claimedBefore = Date.now();
        [claim] = await itemsStartingWith(`${context.functionName}.batch-record#`);
        return `batch:${received.messageId}`;
      },
      { store: fixture.store, logger: recordingLogger() },
    );
    // Another idempotent function in the same Lambda, keyed by the same message id.
    const applyOrder = makeIdempotent(async (messageId: string, _context: unknown) => `wrapped:${messageId}`, {
      store: fixture.store,
      keyPrefix: context.functionName,
    });

    await handler({ Records: [record] }, context);
    expect(await applyOrder(record.messageId, context)).toBe(`wrapped:${record.messageId}`);
    expect(claim?.status).toEqual({ S: 'INPROGRESS' });
    const inProgressUntil = Number((claim?.in_progress_expiration as { N: string } | undefined)?.N);
    expect(inProgressUntil).toBeGreaterThan(claimedBefore + 7_000 - 1_000);
    expect(inProgressUntil).toBeLessThanOrEqual(claimedBefore + 7_000);
  });

  it('fails the whole invocation with UnsupportedEventError for an event it cannot attribute', async () => {
    const handler = idempotentBatch(async () => undefined, { store: fixture.store, logger: recordingLogger() });
    const ses = { Records: [{ eventSource: 'aws:ses', ses: { mail: { messageId: randomUUID() } } }] };
    await expect(handler(ses as unknown as SQSEvent, freshContext())).rejects.toThrow(UnsupportedEventError);
    await expect(handler({} as SQSEvent, freshContext())).rejects.toThrow(/has no "Records" array/);
    expect(await handler({ Records: [] }, freshContext())).toEqual({ batchItemFailures: [] });
  });

  async function itemsStartingWith(prefix: string): Promise<Record<string, unknown>[]> {
    const output = await fixture.client.send(new ScanCommand({ TableName: fixture.table.name, ConsistentRead: true }));
    return (output.Items ?? []).filter((item) => (item.id as { S: string }).S.startsWith(prefix));
  }
});
