import middy6 from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import middy7 from 'middy-core-7';
import { describe, expect, it } from 'vitest';
import { type IdempotentBatchHandler, idempotentBatch } from '../../src/index.js';
import { useStoreFixture } from '../support/fixtures.js';
import { freshContext, recordingLogger, sampleEvent } from './support.js';

const fixture = useStoreFixture();

/** A middleware that counts the responses it sees, as a metrics or logging middleware would. */
function responseProbe() {
  const responses: unknown[] = [];
  return { responses, middleware: { after: async (request: { response: unknown }) => void responses.push(request.response) } };
}

type Probe = { after: (request: { response: unknown }) => Promise<void> };
/** Middy around the batch handler, with one more middleware. */
type Wrap = (
  handler: IdempotentBatchHandler<SQSRecord, void>,
  probe: Probe,
) => (event: SQSEvent, context: Context) => Promise<unknown>;

// Written out for each major, so the type checker proves both accept the batch handler.
const wrapWithMiddy6: Wrap = (handler, probe) => middy6(handler).use(probe);
const wrapWithMiddy7: Wrap = (handler, probe) => middy7(handler).use(probe);

describe.each([
  ['Middy 6', wrapWithMiddy6],
  ['Middy 7', wrapWithMiddy7],
])('%s', (_version, wrap) => {
  it('takes the batch handler as its base handler: partial responses pass through and duplicates are skipped', async () => {
    const event = sampleEvent<SQSEvent>('sqs');
    const failing = event.Records[2] as SQSRecord;
    const runs: string[] = [];
    const probe = responseProbe();
    const handler = wrap(
      idempotentBatch(
        async (record) => {
          runs.push(record.messageId);
          if (record.messageId === failing.messageId) throw new Error('ledger unavailable');
        },
        { store: fixture.store, logger: recordingLogger() },
      ),
      probe.middleware,
    );
    const context = freshContext();

    expect(await handler(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(await handler(sampleEvent('sqs'), context)).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(runs).toEqual([...event.Records.map((record) => record.messageId), failing.messageId]);
    expect(probe.responses).toHaveLength(2);
  });
});
