import type { Context, SQSRecord } from 'aws-lambda';
import { createIdempotencyEngine } from '../engine/create-engine.js';
import { collectOutcomes } from '../engine/outcomes/outcome-group.js';
import { remainingTimeOf, scopeOf } from '../lambda/context.js';
import { detectEvent } from '../lambda/event-sources/detect-event.js';
import type { EventSource } from '../lambda/event-sources/event-source.js';
import { runInInvocation } from '../lambda/invocation.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import { answerBatch, reportsPartially } from './batch-answer.js';
import type { BatchEventOf, BatchRecord, IdempotentBatchHandler, RecordHandler } from './batch-types.js';
import { MalformedRecordError, RecordNotProcessedError } from './errors.js';
import { type IdempotentBatchOptions, validateBatchOptions } from './options.js';
import { createRecordProcessor, type RecordInput, type RecordOutcome, readRecordInput } from './record-processor.js';
import { compileRecordSelector, type RecordReader, type RecordSelector } from './record-selector.js';
import { runOrdered } from './scheduler.js';

/** Scope suffix: a hyphen cannot appear in a function name, so no `makeIdempotent` scope collides. */
const BATCH_SCOPE = 'batch-record';

/**
 * Record-level idempotency for message batches: SQS (standard and FIFO), Kinesis, DynamoDB Streams,
 * Kafka (Amazon MSK and self-managed), Amazon MQ (ActiveMQ, RabbitMQ), DocumentDB change streams,
 * S3 and SNS notifications, EventBridge pipes (a bare array of SQS, Kinesis or DynamoDB records),
 * and single EventBridge events. Each record is claimed by its own key and its handler runs once:
 * a duplicate is skipped (its stored result goes to `onDuplicate`), and a record that fails, is
 * malformed or is still in progress elsewhere is reported failed, so only it is retried. In a FIFO
 * message group, a stream partition or a Kafka partition, the records after a failure are reported
 * failed without running, so the order holds. An EventBridge event returns the handler's result,
 * replayed on a duplicate.
 *
 * Failed records go into the source's partial batch response (`batchItemFailures`; for Kafka,
 * `{ partition, offset }` identifiers). Enable `ReportBatchItemFailures` on the event source
 * mapping: without it Lambda ignores the partial response. Where there is none (Amazon MQ,
 * DocumentDB, S3, SNS; Kafka unless `reportBatchItemFailures: true`), a failure fails the
 * invocation with `BatchFailedError` after the other records ran.
 *
 * @throws {IdempotencyConfigError} at setup, naming an unusable option.
 * The returned handler rejects with `UnsupportedEventError` for an event of another source, with
 * `BatchFailedError` as above; for EventBridge it rejects as `makeIdempotent` would (the
 * handler's error, `InProgressError`...).
 *
 * @example
 * export const handler = idempotentBatch(
 *   async (record) => { await applyOrder(JSON.parse(record.body)); },
 *   { store, key: (record) => record.messageId },
 * );
 */
export function idempotentBatch<TRecord extends BatchRecord = SQSRecord, R = unknown>(
  handler: RecordHandler<TRecord, R>,
  options: IdempotentBatchOptions<TRecord>,
): IdempotentBatchHandler<TRecord, R> {
  validateBatchOptions(handler, options);
  const { concurrency = 1, groupBy, onDuplicate, onRecordFailure, reportBatchItemFailures } = options;
  const logger = options.logger ?? console;
  const engine = createIdempotencyEngine<RecordInput>({
    ...options,
    key: (input) => input.material,
    payload: options.payload === undefined ? undefined : (input) => input.payload,
    requireKey: true,
  });
  registerDefaultScope('batch', 'idempotentBatch', options);
  const userKey = options.key === undefined ? undefined : compileRecordSelector(options.key, 'key');
  const userPayload = options.payload === undefined ? undefined : compileRecordSelector(options.payload, 'payload');

  /** A selector read with the source's base64 fields. */
  const readerFor = (selector: RecordSelector, source: EventSource): RecordReader => {
    return (record, itemIdentifier) => selector(record, itemIdentifier, source.encodedPaths);
  };

  function keyReader(source: EventSource): RecordReader {
    return userKey === undefined ? (record, _id, index) => source.defaultKey(record, index) : readerFor(userKey, source);
  }

  function payloadReader(source: EventSource): RecordReader | undefined {
    return userPayload === undefined ? undefined : readerFor(userPayload, source);
  }

  function groupReader(source: EventSource): (record: TRecord, index: number) => string | undefined {
    if (groupBy === false) return () => undefined;
    if (groupBy !== undefined) return (record) => groupBy(record);
    return (record, index) => source.defaultGroup(record, index);
  }

  function logFailure(source: EventSource, record: TRecord, index: number, error: unknown): void {
    const itemIdentifier = source.itemIdentifier(record, index);
    const details = {
      itemIdentifier,
      eventSource: source.kind,
      name: error instanceof Error ? error.name : typeof error,
      error: error instanceof Error ? error.message : String(error),
    };
    const message = reportsPartially(source, reportBatchItemFailures)
      ? `Record "${itemIdentifier}" failed and is reported in batchItemFailures.`
      : `Record "${itemIdentifier}" failed: the invocation fails once the other records ran, so the batch is delivered again.`;
    callSafely(() => (logger.error ? logger.error(message, details) : logger.warn(message, details)));
    if (onRecordFailure) callSafely(() => onRecordFailure(record, error));
  }

  async function runBatch(source: EventSource, records: readonly TRecord[], context: Context | undefined) {
    const process = createRecordProcessor<TRecord>({
      engine,
      handler,
      source,
      readKey: keyReader(source),
      readPayload: payloadReader(source),
      scope: scopeOf(context, BATCH_SCOPE),
      context,
      warn: (itemIdentifier, error) => {
        const details = { itemIdentifier, name: error instanceof Error ? error.name : typeof error };
        callSafely(() => logger.warn(`Record "${itemIdentifier}" ran, but its result was not stored: ${String(error)}`, details));
      },
    });
    // Positions, not record objects, identify records: a test may put one object in twice.
    const outcomes: (RecordOutcome | undefined)[] = records.map(() => undefined);
    const recordOutcome = (index: number, outcome: RecordOutcome): boolean => {
      const record = records[index] as TRecord;
      outcomes[index] = outcome;
      if (outcome.kind === 'failed') logFailure(source, record, index, outcome.error);
      else if (outcome.kind === 'duplicate' && onDuplicate) callSafely(() => onDuplicate(record, outcome.value));
      return outcome.kind !== 'failed';
    };
    const identifierAt = (index: number) => source.itemIdentifier(records[index], index);
    const groupOfRecord = groupReader(source);
    // A record whose group cannot be read fails alone; without its group it orders with nothing.
    const unreadable = new Map<number, MalformedRecordError>();
    const groups = records.map((record, index) => {
      try {
        return groupOfRecord(record, index);
      } catch (error) {
        unreadable.set(index, new MalformedRecordError(identifierAt(index), `groupBy threw: ${String(error)}`, { cause: error }));
        return undefined;
      }
    });
    // One report per invocation for the sinks that want it (one EMF document for the whole batch).
    await collectOutcomes(remainingTimeOf(context), () =>
      runOrdered(records.length, {
        concurrency,
        groupOf: (index) => groups[index],
        run: async (index) => {
          const error = unreadable.get(index);
          return recordOutcome(index, error ? { kind: 'failed', error } : await process(records[index] as TRecord, index));
        },
        block: (index, failedIndex) => {
          const error = new RecordNotProcessedError(identifierAt(index), identifierAt(failedIndex), 'ordering');
          recordOutcome(index, { kind: 'failed', error });
        },
      }),
    );
    return answerBatch(source, records, outcomes, reportBatchItemFailures);
  }

  async function runSingle(source: EventSource, event: TRecord, context: Context | undefined): Promise<Awaited<R>> {
    const input = readRecordInput(keyReader(source), payloadReader(source), event, source.itemIdentifier(event, 0), 0);
    const request = { input, scope: scopeOf(context, BATCH_SCOPE), remainingTimeMs: remainingTimeOf(context) };
    let ran = false;
    const value = await engine.run(request, async (): Promise<Awaited<R>> => {
      ran = true;
      return await handler(event, context);
    });
    if (!ran && onDuplicate) callSafely(() => onDuplicate(event, value));
    return value;
  }

  // The conditional return type cannot be narrowed inside the body; each branch returns its half.
  return (async (event: BatchEventOf<TRecord>, context?: Context) => {
    const detected = detectEvent(event);
    // Record handlers that call makeIdempotent without the context still claim for the invocation's time.
    return runInInvocation(context, () =>
      detected.single
        ? runSingle(detected.source, detected.records[0] as TRecord, context)
        : runBatch(detected.source, detected.records as readonly TRecord[], context),
    );
  }) as IdempotentBatchHandler<TRecord, R>;
}

function callSafely(call: () => void): void {
  try {
    call();
  } catch {
    // A failing logger or hook must not turn one record's outcome into another's.
  }
}
