import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { IdempotencyError, type IdempotentBatchOptions, idempotentBatch } from '../../src/index.js';
import { sampleEvent } from '../batch/support.js';
import { lambdaContext, type StoreFixture } from '../support/fixtures.js';
import { itemsOf, truncate } from './bad-input-cases.js';

/**
 * Bad records in an SQS batch, as cases that bad-input.test.ts checks one by one and
 * scripts/docs-tables.ts renders: the bad record is reported alone in `batchItemFailures` with a
 * typed error (through `onRecordFailure`); the other records of the batch run and are stored.
 */

const sqsSample = () => sampleEvent<SQSEvent>('sqs');

export interface BatchCase {
  readonly input: string;
  /** Bodies of the batch's records; the bad one is the first. */
  readonly bodies: readonly string[];
  readonly options?: Partial<IdempotentBatchOptions<SQSRecord>>;
  /** The typed error the bad record is reported with. */
  readonly error: string;
  readonly message: RegExp;
}

export const BATCH_CASES: readonly BatchCase[] = [
  {
    input: 'body is not JSON, key "body.orderId"',
    bodies: ['{"orderId": ', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MalformedRecordError',
    message: /is malformed/,
  },
  {
    input: 'body has no orderId',
    bodies: ['{"amount":1}', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MissingIdempotencyKeyError',
    message: /has no idempotency key/,
  },
  {
    input: 'body is an empty string',
    bodies: ['', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'MalformedRecordError',
    message: /is malformed/,
  },
  {
    input: 'key selector throws',
    bodies: ['{"orderId":"boom"}', '{"orderId":"o-2"}'],
    options: {
      key: (record) => {
        if (record.body.includes('boom')) throw new Error('cannot read');
        return record.body;
      },
    },
    error: 'MalformedRecordError',
    message: /cannot read|is malformed/,
  },
  {
    input: 'key holds a BigInt',
    bodies: ['{"orderId":"big"}', '{"orderId":"o-2"}'],
    options: { key: (record) => (record.body.includes('big') ? 10n : record.body) },
    error: 'InvalidIdempotencyKeyError',
    message: /bigint cannot be part/,
  },
  {
    input: 'record handler throws',
    bodies: ['{"orderId":"fail"}', '{"orderId":"o-2"}'],
    options: { key: 'body.orderId' },
    error: 'Error',
    message: /handler refused fail/,
  },
];

export interface BatchOutcome {
  /** The records `batchItemFailures` named. */
  readonly reported: readonly string[];
  /** The records whose handler ran to the end. */
  readonly ran: readonly string[];
  /** The error `onRecordFailure` got for the first failed record. */
  readonly error: unknown;
  readonly name: string;
  readonly message: string;
  /** The statuses of the records the batch left in its scope. */
  readonly statuses: readonly unknown[];
}

/** Batch case `number` (from 1): the bad record `m-0`, then the good one `m-1`, as the function `batch-bad-<number>`. */
export async function runBatchCase(fixture: StoreFixture, testCase: BatchCase, number: number): Promise<BatchOutcome> {
  const functionName = `batch-bad-${number}`;
  const failures: { messageId: string; error: unknown }[] = [];
  const ran: string[] = [];
  const handler = idempotentBatch(
    async (record: SQSRecord) => {
      if (record.body.includes('"fail"')) throw new Error('handler refused fail');
      ran.push(record.messageId);
      return 'ok';
    },
    {
      store: fixture.store,
      logger: { warn: () => undefined, error: () => undefined },
      onRecordFailure: (record, error) => void failures.push({ messageId: record.messageId, error }),
      ...testCase.options,
    },
  );
  const records = testCase.bodies.map((body, position) => ({ ...sqsSample().Records[0]!, messageId: `m-${position}`, body }));
  const response = await handler({ Records: records }, lambdaContext(30_000, functionName));
  // Batch records are scoped by the function name plus "batch-record".
  const items = await itemsOf(fixture, `${functionName}.batch-record`);
  const error = failures[0]?.error;
  return {
    reported: response.batchItemFailures.map((failure) => failure.itemIdentifier),
    ran,
    error,
    name: error instanceof Error ? error.name : 'none',
    message: error instanceof Error ? error.message : '',
    statuses: items.map((item) => item.status),
  };
}

/** Whether a batch case came out as it must: the bad record alone reported, typed, the good one run and stored. */
export function batchCaseHolds(testCase: BatchCase, outcome: BatchOutcome): boolean {
  return (
    outcome.reported.join() === 'm-0' &&
    outcome.ran.join() === 'm-1' &&
    outcome.name === testCase.error &&
    testCase.message.test(outcome.message) &&
    (testCase.error === 'Error' || outcome.error instanceof IdempotencyError) &&
    outcome.statuses.join() === 'COMPLETED'
  );
}

export const BATCH_CASES_HEADER = ['#', 'record', 'error', 'message', 'batchItemFailures', 'ran', 'table afterwards'];

export function batchCaseRow(testCase: BatchCase, number: number, outcome: BatchOutcome): string[] {
  const stored = outcome.statuses.length === 1 && batchCaseHolds(testCase, outcome) ? ' (the good one)' : '';
  return [
    String(number),
    testCase.input,
    outcome.name,
    truncate(outcome.message, 100),
    outcome.reported.join(', '),
    outcome.ran.join(', '),
    `${outcome.statuses.length} record${stored}`,
  ];
}

/** An event that is not a batch at all: the whole invocation fails. */
export async function runUnsupportedBatch(fixture: StoreFixture): Promise<unknown> {
  return idempotentBatch(async () => 'ok', { store: fixture.store })({ detail: 'not a batch' } as never).catch(
    (error: unknown) => error,
  );
}

export function unsupportedBatchRow(number: number, error: unknown): string[] {
  const thrown = error instanceof Error ? error : new Error(`no error: ${String(error)}`);
  return [
    String(number),
    'an event that is not a batch ({ detail })',
    thrown.name,
    truncate(thrown.message, 100),
    '(whole invocation)',
    '-',
    'nothing written',
  ];
}
