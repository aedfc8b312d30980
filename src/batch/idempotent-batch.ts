import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  EventBridgeEvent,
  KinesisStreamBatchResponse,
  KinesisStreamRecord,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import { createIdempotencyEngine } from '../engine/idempotency-engine.js';
import { remainingTimeOf, scopeOf } from '../lambda/context.js';
import { runInInvocation } from '../lambda/invocation.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import { collectOutcomes } from '../observability/outcome-group.js';
import { MalformedRecordError, RecordNotProcessedError } from './errors.js';
import { detectEvent, type EventSource } from './event-source.js';
import { type IdempotentBatchOptions, validateBatchOptions } from './options.js';
import { partialBatchResponse } from './partial-response.js';
import { createRecordProcessor, type RecordInput, type RecordOutcome, readRecordInput } from './record-processor.js';
import { compileRecordSelector, type RecordReader } from './record-selector.js';
import { runOrdered } from './scheduler.js';

/** A record (or, for EventBridge, the event) one call of the record handler receives. */
export type BatchRecord = SQSRecord | KinesisStreamRecord | DynamoDBRecord | EventBridgeEvent<string, unknown>;

/** Processes one record. Its result is stored and handed to `onDuplicate` for later copies. */
export type RecordHandler<TRecord, R> = (record: TRecord, context: Context | undefined) => R | Promise<R>;

type IsEventBridge<TRecord> = [TRecord] extends [EventBridgeEvent<string, unknown>] ? true : false;

/** The Lambda event: `{ Records }` for a batch, the event itself for EventBridge. */
export type BatchEventOf<TRecord> = IsEventBridge<TRecord> extends true ? TRecord : { Records: TRecord[] };

/** Lambda's partial batch response type for the record's source. */
export type BatchResponseOf<TRecord> = [TRecord] extends [SQSRecord]
  ? SQSBatchResponse
  : [TRecord] extends [KinesisStreamRecord]
    ? KinesisStreamBatchResponse
    : DynamoDBBatchResponse;

/** The Lambda handler {@link idempotentBatch} returns. */
export type IdempotentBatchHandler<TRecord, R> = (
  event: BatchEventOf<TRecord>,
  context?: Context,
) => Promise<IsEventBridge<TRecord> extends true ? Awaited<R> : BatchResponseOf<TRecord>>;

/** Scope suffix: a hyphen cannot appear in a function name, so no `makeIdempotent` scope collides. */
const BATCH_SCOPE = 'batch-record';

/**
 * Record-level idempotency for SQS (standard and FIFO), Kinesis and DynamoDB Streams batches, and
 * for single EventBridge events. Each record is claimed by its own key and its handler runs once:
 * a duplicate is skipped (its stored result goes to `onDuplicate`), and a record that fails, is
 * malformed or is still in progress elsewhere is reported in `batchItemFailures`, so only it is
 * retried. In a FIFO message group or a stream partition, the records after a failure are reported
 * failed without running, so the order holds. An EventBridge event returns the handler's result,
 * replayed on a duplicate.
 *
 * Enable `ReportBatchItemFailures` on the event source mapping: without it Lambda ignores the
 * partial response.
 *
 * @throws {IdempotencyConfigError} at setup, naming an unusable option.
 * The returned handler rejects with `UnsupportedEventError` for an event of another source; for
 * EventBridge it rejects as `makeIdempotent` would (the handler's error, `InProgressError`...).
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
  const { concurrency = 1, groupBy, onDuplicate, onRecordFailure } = options;
  const logger = options.logger ?? console;
  const engine = createIdempotencyEngine<RecordInput>({
    ...options,
    key: (input) => input.material,
    payload: options.payload === undefined ? undefined : (input) => input.payload,
    requireKey: true,
  });
  registerDefaultScope('batch', 'idempotentBatch', options);
  const readUserKey = options.key === undefined ? undefined : compileRecordSelector(options.key, 'key');
  const readPayload = options.payload === undefined ? undefined : compileRecordSelector(options.payload, 'payload');

  function keyReader(source: EventSource): RecordReader {
    return readUserKey ?? ((record) => source.defaultKey(record));
  }

  function groupOf(source: EventSource): (record: TRecord) => string | undefined {
    if (groupBy === false) return () => undefined;
    return groupBy ?? ((record) => source.defaultGroup(record));
  }

  function logFailure(source: EventSource, record: TRecord, error: unknown): void {
    const itemIdentifier = source.itemIdentifier(record);
    const details = {
      itemIdentifier,
      eventSource: source.kind,
      name: error instanceof Error ? error.name : typeof error,
      error: error instanceof Error ? error.message : String(error),
    };
    const message = `Record "${itemIdentifier}" failed and is reported in batchItemFailures.`;
    callSafely(() => (logger.error ? logger.error(message, details) : logger.warn(message, details)));
    if (onRecordFailure) callSafely(() => onRecordFailure(record, error));
  }

  async function runBatch(source: EventSource, records: readonly TRecord[], context: Context | undefined) {
    const process = createRecordProcessor<TRecord>({
      engine,
      handler,
      source,
      readKey: keyReader(source),
      readPayload,
      scope: scopeOf(context, BATCH_SCOPE),
      context,
      warn: (itemIdentifier, error) => {
        const details = { itemIdentifier, name: error instanceof Error ? error.name : typeof error };
        callSafely(() => logger.warn(`Record "${itemIdentifier}" ran, but its result was not stored: ${String(error)}`, details));
      },
    });
    // Positions, not record objects, identify records: a test may put one object in twice.
    const outcomes: (RecordOutcome | undefined)[] = records.map(() => undefined);
    const settle = (index: number, outcome: RecordOutcome): boolean => {
      const record = records[index] as TRecord;
      outcomes[index] = outcome;
      if (outcome.kind === 'failed') logFailure(source, record, outcome.error);
      else if (outcome.kind === 'duplicate' && onDuplicate) callSafely(() => onDuplicate(record, outcome.value));
      return outcome.kind !== 'failed';
    };
    const identifierAt = (index: number) => source.itemIdentifier(records[index]);
    const groupOfRecord = groupOf(source);
    // A record whose group cannot be read fails alone; without its group it orders with nothing.
    const unreadable = new Map<number, MalformedRecordError>();
    const groups = records.map((record, index) => {
      try {
        return groupOfRecord(record);
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
          return settle(index, error ? { kind: 'failed', error } : await process(records[index] as TRecord));
        },
        block: (index, failedIndex) => {
          const error = new RecordNotProcessedError(identifierAt(index), identifierAt(failedIndex), 'ordering');
          settle(index, { kind: 'failed', error });
        },
      }),
    );
    // A record without an outcome never ran: reporting it is the safe side.
    const failed = outcomes.flatMap((outcome, index) => ((outcome?.kind ?? 'failed') === 'failed' ? [identifierAt(index)] : []));
    return partialBatchResponse(failed);
  }

  async function runSingle(source: EventSource, event: TRecord, context: Context | undefined): Promise<Awaited<R>> {
    const input = readRecordInput(keyReader(source), readPayload, event, source.itemIdentifier(event));
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
