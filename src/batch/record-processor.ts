import type { Context } from 'aws-lambda';
import { hashMaterial } from '../engine/hash.js';
import type { IdempotencyEngine } from '../engine/idempotency-engine.js';
import { isMissing } from '../engine/selector.js';
import { MissingIdempotencyKeyError, UnstorableResultError } from '../errors.js';
import { remainingTimeOf } from '../lambda/context.js';
import type { EventSource } from '../lambda/event-sources/event-source.js';
import { RecordNotProcessedError } from './errors.js';
import type { RecordReader } from './record-selector.js';

/** What the engine sees of one record: the material is read once, before the handler runs. */
export interface RecordInput {
  readonly material: unknown;
  readonly payload: unknown;
}

/** How one record ended. Only `failed` records go into `batchItemFailures`. */
export type RecordOutcome =
  | { readonly kind: 'processed'; readonly value: unknown }
  | { readonly kind: 'duplicate'; readonly value: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

export interface RecordProcessorOptions<TRecord> {
  readonly engine: IdempotencyEngine<RecordInput>;
  readonly handler: (record: TRecord, context: Context | undefined) => unknown;
  readonly source: EventSource;
  readonly readKey: RecordReader;
  readonly readPayload: RecordReader | undefined;
  readonly scope: string;
  readonly context: Context | undefined;
  /** A record that ran but whose result could not be stored: it stays done, the problem is logged. */
  readonly warn: (itemIdentifier: string, error: unknown) => void;
}

/**
 * The key and payload material of one record (or EventBridge event).
 * @throws {MissingIdempotencyKeyError} when the key selector finds nothing usable.
 */
export function readRecordInput(
  readKey: RecordReader,
  readPayload: RecordReader | undefined,
  record: unknown,
  itemIdentifier: string,
  index: number,
): RecordInput {
  const material = readKey(record, itemIdentifier, index);
  if (isMissing(material)) {
    throw new MissingIdempotencyKeyError(
      `Record "${itemIdentifier}" has no idempotency key: the key selector found ${JSON.stringify(material) ?? 'undefined'}.`,
    );
  }
  return { material, payload: readPayload?.(record, itemIdentifier, index) };
}

/**
 * Processes the records of one invocation. Two records with the same key in one batch never
 * race for the claim: the later one waits for the earlier one's outcome and shares it (a
 * duplicate when it succeeded, a failure when it failed). The earlier one is already running
 * when the later one looks, and a running record waits on nothing, so this cannot deadlock.
 */
export function createRecordProcessor<TRecord>(
  options: RecordProcessorOptions<TRecord>,
): (record: TRecord, index: number) => Promise<RecordOutcome> {
  const { engine, handler, source, scope, context } = options;
  const running = new Map<string, { readonly itemIdentifier: string; readonly outcome: Promise<RecordOutcome> }>();

  const read = (record: TRecord, itemIdentifier: string, index: number) =>
    readRecordInput(options.readKey, options.readPayload, record, itemIdentifier, index);

  async function claimAndRun(record: TRecord, itemIdentifier: string, input: RecordInput): Promise<RecordOutcome> {
    try {
      const decision = await engine.begin({ input, scope, remainingTimeMs: remainingTimeOf(context) });
      if (decision.kind === 'replay') return { kind: 'duplicate', value: decision.value };
      let value: unknown;
      try {
        value = await handler(record, context);
      } catch (error) {
        if (decision.kind === 'claimed') await decision.claim.release();
        return { kind: 'failed', error };
      }
      if (decision.kind === 'claimed') {
        // The handler ran, so the record is done whatever happens to its result: the engine keeps
        // an unstorable result as an error marker and reports a write that kept failing.
        try {
          await decision.claim.complete(value);
        } catch (error) {
          options.warn(itemIdentifier, error);
        }
      }
      return { kind: 'processed', value };
    } catch (error) {
      // Its first run succeeded but its result could not be stored: done, never to run again.
      if (error instanceof UnstorableResultError) return { kind: 'duplicate', value: undefined };
      return { kind: 'failed', error };
    }
  }

  return async (record, index) => {
    const itemIdentifier = source.itemIdentifier(record, index);
    let input: RecordInput;
    let batchKey: string;
    try {
      input = read(record, itemIdentifier, index);
      batchKey = hashMaterial([input.material, input.payload ?? null]);
    } catch (error) {
      return { kind: 'failed', error };
    }
    const earlier = running.get(batchKey);
    if (earlier !== undefined) {
      const outcome = await earlier.outcome;
      if (outcome.kind !== 'failed') return { kind: 'duplicate', value: outcome.value };
      return { kind: 'failed', error: new RecordNotProcessedError(itemIdentifier, earlier.itemIdentifier, 'duplicate') };
    }
    const outcome = claimAndRun(record, itemIdentifier, input);
    running.set(batchKey, { itemIdentifier, outcome });
    return outcome;
  };
}
