import {
  InProgressError,
  InvalidIdempotencyKeyError,
  MissingIdempotencyKeyError,
  PayloadMismatchError,
  UnstorableResultError,
} from '../../errors.js';
import { statusCodeOf } from '../http-status.js';
import type { Tally } from './counting-store.js';
import type { IdempotencyOutcome, OutcomeKind } from './outcome.js';

/** An outcome's kind and what it adds to the common fields. */
export type Classified = readonly [OutcomeKind, Partial<IdempotencyOutcome>];

/** `begin` threw: a refusal of the key or the payload, else a failure of the store. */
export function refusalOutcome(error: unknown, tally: Tally): Classified {
  const kind = refusalKind(error);
  return [kind, { error: describe(error), ...(kind === 'in-progress' && { waited: tally.get > 0 }) }];
}

function refusalKind(error: unknown): OutcomeKind {
  if (error instanceof InProgressError) return 'in-progress';
  if (error instanceof PayloadMismatchError) return 'payload-mismatch';
  if (error instanceof MissingIdempotencyKeyError || error instanceof InvalidIdempotencyKeyError) return 'unkeyed';
  // A duplicate of a record completed with an error marker: the first run's result was not stored.
  if (error instanceof UnstorableResultError) return 'result-not-persisted';
  return 'store-error';
}

/** `begin` replayed `value`: from the local cache, after waiting for its owner (the polling reads), or plainly. */
export function replayOutcome(fromCache: boolean, value: unknown, tally: Tally): Classified {
  const kind: OutcomeKind = fromCache ? 'replayed-from-cache' : tally.get > 0 ? 'in-progress' : 'replayed';
  return [kind, { statusCode: statusCodeOf(value), ...(kind === 'in-progress' && { waited: true }) }];
}

/** `complete(value)` ended, throwing `error` or not: stored, taken over, or not stored. */
export function completionOutcome(value: unknown, error: unknown, tally: Tally): Classified {
  const statusCode = statusCodeOf(value);
  if (error === undefined && tally.completed) return ['executed', { statusCode }];
  if (error === undefined && tally.leaseLost) return ['lease-lost', { statusCode }];
  const cause = error ?? tally.storeError;
  return ['result-not-persisted', { statusCode, ...(cause !== undefined && { error: describe(cause) }) }];
}

/** `release()` ended: the handler's failure released the claim, unless the store failed or the claim was lost. */
export function releaseOutcome(tally: Tally): Classified {
  if (tally.storeError !== undefined) return ['store-error', { error: describe(tally.storeError) }];
  return [tally.leaseLost ? 'lease-lost' : 'handler-failed', {}];
}

/** The record id an engine error names, when it names one. */
export function recordIdOf(error: unknown): string | undefined {
  const id = (error as { recordId?: unknown } | null)?.recordId;
  return typeof id === 'string' ? id : undefined;
}

/** An error as an outcome carries it: name and message only, which never hold a raw key. */
export function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}
