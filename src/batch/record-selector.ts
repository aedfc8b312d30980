import { parseJsonLossless } from '../engine/lossless-json.js';
import type { Selector } from '../engine/selector.js';
import { IdempotencyConfigError, IdempotencyError } from '../errors.js';
import { MalformedRecordError } from './errors.js';

/** Reads key or payload material from one record; throws a typed error naming what was wrong. */
export type RecordReader = (record: unknown, itemIdentifier: string) => unknown;

/**
 * Compiles a `key` or `payload` selector for records. A dotted path parses the JSON strings it
 * meets (an SQS `body`) and decodes Kinesis `kinesis.data` (base64) first, as a user writing
 * `'kinesis.data.orderId'` means. Unlike the event-level selector, a string on the path that is
 * not JSON is an error naming the record, not a silent `undefined`: the record is malformed.
 * @throws {IdempotencyConfigError} when the selector is neither a function nor a dotted path.
 */
export function compileRecordSelector<TRecord>(selector: Selector<TRecord>, option: string): RecordReader {
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
  return (record, itemIdentifier) => walk(record, segments, itemIdentifier);
}

function walk(record: unknown, segments: readonly string[], itemIdentifier: string): unknown {
  let current = record;
  for (const [index, segment] of segments.entries()) {
    if (typeof current === 'string') current = parseOnPath(current, segments.slice(0, index), itemIdentifier);
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function parseOnPath(text: string, path: readonly string[], itemIdentifier: string): unknown {
  const where = path.join('.');
  const json = isKinesisData(path) ? Buffer.from(text, 'base64').toString('utf8') : text;
  try {
    return parseJsonLossless(json);
  } catch (error) {
    const what = isKinesisData(path) ? `"${where}" does not decode to JSON` : `"${where}" is not JSON`;
    throw new MalformedRecordError(itemIdentifier, `${what} (${messageOf(error)})`, { cause: error });
  }
}

function isKinesisData(path: readonly string[]): boolean {
  return path.length === 2 && path[0] === 'kinesis' && path[1] === 'data';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
