import { describe, expect, it } from 'vitest';
import * as library from '../../src/index.js';
import { IdempotencyError, InProgressError } from '../../src/index.js';

const errorClasses = Object.entries(library).filter(
  (entry): entry is [string, typeof IdempotencyError] =>
    typeof entry[1] === 'function' && (entry[1] === IdempotencyError || entry[1].prototype instanceof IdempotencyError),
);

describe('exported errors', () => {
  it('exports the whole family', () => {
    expect(errorClasses.map(([name]) => name).sort()).toEqual([
      'BatchFailedError',
      'CorruptRecordError',
      'IdempotencyConfigError',
      'IdempotencyError',
      'InProgressError',
      'InvalidIdempotencyKeyError',
      'LeaseLostError',
      'MalformedRecordError',
      'MissingIdempotencyKeyError',
      'PayloadMismatchError',
      'RecordNotProcessedError',
      'ResultNotPersistedError',
      'ResultNotSerializableError',
      'ResultTooLargeError',
      'StoreError',
      'UnstorableResultError',
      'UnsupportedEventError',
    ]);
  });

  it.each(errorClasses)('%s carries its own name, which survives minification', (exportName, ErrorClass) => {
    const error = new (ErrorClass as unknown as new (...args: unknown[]) => Error)('record-id', undefined);
    expect(error.name).toBe(exportName);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(IdempotencyError);
    expect(String(error)).toMatch(new RegExp(`^${exportName}: `));
  });

  it('tells how long until an in-progress claim expires', () => {
    const error = new InProgressError('fn#abc', 10_000);
    expect(error.retryAfterMs(7_500)).toBe(2_500);
    expect(error.retryAfterMs(12_000)).toBe(0);
    expect(new InProgressError('fn#abc', undefined).retryAfterMs(0)).toBeUndefined();
    expect(error.message).toContain('1970-01-01T00:00:10.000Z');
  });
});
