import { parseJsonLossless } from '../engine/lossless-json.js';
import type { Selector } from '../engine/selector.js';
import { IdempotencyConfigError, IdempotencyError } from '../errors.js';
import { MalformedRecordError } from './errors.js';

/**
 * Reads key or payload material from one record (at `index` in the flattened batch); throws a
 * typed error naming what was wrong.
 */
export type RecordReader = (record: unknown, itemIdentifier: string, index: number) => unknown;

/**
 * A compiled selector, read with the dotted paths whose strings the record's source base64-encodes
 * (Kinesis `kinesis.data`, Kafka `value` and `key`, Amazon MQ `data`).
 */
export type RecordSelector = (record: unknown, itemIdentifier: string, encodedPaths: readonly string[]) => unknown;

/**
 * Compiles a `key` or `payload` selector for records. A dotted path parses the JSON strings it
 * meets (an SQS `body`) and decodes the source's base64 fields first, as a user writing
 * `'kinesis.data.orderId'` or `'value.orderId'` (Kafka) means. Unlike the event-level selector, a
 * string on the path that is not JSON is an error naming the record, not a silent `undefined`:
 * the record is malformed.
 * @throws {IdempotencyConfigError} when the selector is neither a function nor a dotted path.
 */
export function compileRecordSelector<TRecord>(selector: Selector<TRecord>, option: string): RecordSelector {
  if (typeof selector === 'function') {
    return (record, itemIdentifier) => {
      try {
        return selector(record as TRecord);
      } catch (error) {
        if (error instanceof IdempotencyError) throw error;
        throw new MalformedRecordError(itemIdentifier, `the ${option} selector threw: ${messageOf(error)}`, { cause: error });
      }
    };
  }
  const segments = typeof selector === 'string' ? selector.split('.') : [];
  if (segments.length === 0 || segments.includes('')) {
    throw new IdempotencyConfigError(
      `Option "${option}" must be a function or a dotted path such as "body.orderId", got ${JSON.stringify(selector)}.`,
    );
  }
  return (record, itemIdentifier, encodedPaths) => walk(record, segments, itemIdentifier, encodedPaths);
}

function walk(record: unknown, segments: readonly string[], itemIdentifier: string, encodedPaths: readonly string[]): unknown {
  let current = record;
  for (const [index, segment] of segments.entries()) {
    if (typeof current === 'string')
      current = parseOnPath(current, segments.slice(0, index).join('.'), itemIdentifier, encodedPaths);
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function parseOnPath(text: string, where: string, itemIdentifier: string, encodedPaths: readonly string[]): unknown {
  const encoded = encodedPaths.includes(where);
  const json = encoded ? Buffer.from(text, 'base64').toString('utf8') : text;
  try {
    return parseJsonLossless(json);
  } catch (error) {
    const what = encoded ? `"${where}" does not decode to JSON` : `"${where}" is not JSON`;
    throw new MalformedRecordError(itemIdentifier, `${what} (${messageOf(error)})`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
