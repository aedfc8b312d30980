import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { idempotentBatch } from '../../src/index.js';
import type { IdempotencyOutcome } from '../../src/observability/index.js';
import { emfMetrics, outcomeLog } from '../../src/observability/index.js';
import { freshContext, sampleEvent } from '../batch/support.js';
import { deferred, useStoreFixture } from '../support/fixtures.js';
import { expectValidEmf } from './emf-spec.js';

const fixture = useStoreFixture();

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

/** Per-record outcomes and log lines, and the EMF documents, of a batch handler's invocations. */
function observed() {
  const outcomes: IdempotencyOutcome[] = [];
  const lines: string[] = [];
  const documents: Array<Record<string, unknown>> = [];
  const logger = {
    debug: () => undefined,
    info: (line: unknown) => void lines.push(String(line)),
    warn: (line: unknown) => void lines.push(String(line)),
    error: () => undefined,
  };
  return {
    outcomes,
    lines,
    documents,
    onOutcome: [
      (outcome: IdempotencyOutcome) => void outcomes.push(outcome),
      outcomeLog({ logger, style: 'json', level: 'info' }),
      emfMetrics({ namespace: 'Test', write: (line) => void documents.push(expectValidEmf(line)) }),
    ],
  };
}

describe('EMF for a batch: one document per invocation', () => {
  it('counts each outcome of the batch in one document; hooks and logs still get every record', async () => {
    const sinks = observed();
    const event = sampleEvent<SQSEvent>('sqs');
    const failing = event.Records[0]?.messageId;
    const handler = idempotentBatch(
      async (record) => {
        if (record.messageId === failing) throw new Error('declined');
        return record.messageId;
      },
      {
        store: fixture.store,
        concurrency: 3,
        onOutcome: sinks.onOutcome,
        logger: { warn: () => undefined, error: () => undefined },
      },
    );
    const records = event.Records.length;
    const context = freshContext();
    await handler(event, context);
    expect(sinks.documents).toHaveLength(1);
    expect(sinks.documents[0]).toMatchObject({
      Executed: records - 1,
      HandlerFailed: 1,
      StoreRequests: 2 * (records - 1) + 2,
      outcomes: { executed: records - 1, 'handler-failed': 1 },
      records,
      scope: expect.stringMatching(/^batch-test-/),
    });
    expect(sinks.documents[0]).not.toHaveProperty('recordId');
    const overhead = sinks.outcomes.reduce((sum, outcome) => sum + outcome.durationMs, 0);
    expect(sinks.documents[0]?.IdempotencyOverhead).toBeCloseTo(overhead, 2);
    expect(sinks.outcomes).toHaveLength(records);

    await handler(event, context);
    expect(sinks.documents).toHaveLength(2);
    expect(sinks.documents[1]).toMatchObject({ Replayed: records - 1, HandlerFailed: 1, records });
    expect(sinks.outcomes).toHaveLength(2 * records);
    // Replays are logged at info, one line per record.
    expect(sinks.lines.filter((line) => line.includes('"replayed"'))).toHaveLength(records - 1);
  });

  it('a batch still running near its deadline writes its document then, with the unsettled record abandoned', async () => {
    const sinks = observed();
    const event = sampleEvent<SQSEvent>('sqs');
    const hanging = event.Records[1]?.messageId;
    const release = deferred();
    const handler = idempotentBatch(
      async (record) => {
        if (record.messageId === hanging) await release.promise;
        return record.messageId;
      },
      { store: fixture.store, concurrency: event.Records.length, onOutcome: sinks.onOutcome },
    );
    const records = event.Records.length;
    const running = handler(event, freshContext(400));
    await vi.waitFor(() => expect(sinks.documents).toHaveLength(1), { timeout: 5000, interval: 20 });
    expect(sinks.documents[0]).toMatchObject({ Executed: records - 1, ClaimAbandoned: 1, records });
    const abandoned = sinks.outcomes.filter((outcome) => outcome.kind === 'abandoned');
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]?.error?.name).toBe('InvocationDeadlineError');
    expect(sinks.lines.some((line) => line.includes('"abandoned"'))).toBe(true);
    // The handler finishes after all: its result is stored, and nothing is reported twice.
    release.resolve();
    await running;
    expect(sinks.documents).toHaveLength(1);
    expect(sinks.outcomes).toHaveLength(records);
    expect((await fixture.store.get(abandoned[0]?.recordId ?? ''))?.status).toBe('COMPLETED');
  });
});
