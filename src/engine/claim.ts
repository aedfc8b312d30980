import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseLostError, ResultNotPersistedError, ResultTooLargeError, StoreError, UnstorableResultError } from '../errors.js';
import type { Identity } from './identity.js';
import { epochSeconds, type StoredResult } from './record.js';
import type { ResultCodec } from './result-codec.js';
import type { IdempotencyStore } from './store.js';
import type { Warn } from './warn.js';

/**
 * The claim this invocation holds on a record. Finish it exactly once: `complete` with the handler's
 * result, `release` after the handler failed, or `abandon` when the invocation ends while it may run.
 */
export interface Claim {
  /** The id of the claimed record: scope and hashed key. */
  readonly recordId: string;
  /**
   * Stores the handler's result and marks the record COMPLETED. Never releases the claim.
   * @throws {UnstorableResultError} when the result cannot be stored; the record then carries
   * the error, so duplicates receive it instead of running the handler again.
   */
  complete(value: unknown): Promise<void>;
  /** Deletes the record (only while it still carries this claim's lease), so a retry can run. */
  release(): Promise<void>;
  /**
   * Finishes without a request: the invocation ends while the handler may still run (a timeout),
   * so the claim must neither complete nor release; it lapses at its in-progress expiry.
   * `reason` is what ended it, for the outcome.
   */
  abandon(reason?: unknown): void;
}

export interface ClaimContext {
  readonly store: IdempotencyStore;
  readonly codec: ResultCodec;
  readonly ttlSeconds: number;
  readonly clock: () => number;
  readonly warn: Warn;
  /** Called with what was stored, so the engine can fill its local cache. */
  readonly onCompleted: (identity: Identity, result: StoredResult, expiresAt: number) => void;
}

const COMPLETE_TRIES = 3;
const COMPLETE_RETRY_DELAY_MS = 50;

/** `deadline`: epoch milliseconds (wall clock) at which the invocation ends, passed on to the store. */
export function createClaim(context: ClaimContext, identity: Identity, lease: string, deadline?: number): Claim {
  const { store, codec, warn } = context;
  const { id } = identity;
  let finished = false;
  /** Why the result could not be stored, found while encoding it or by the store while writing it. */
  let unstorable: UnstorableResultError | undefined;

  /** Resolves what was stored, or undefined when nothing was (lease lost, or the write kept failing). */
  async function persist(result: StoredResult, expiresAt: number): Promise<StoredResult | undefined> {
    let stored = result;
    let lastError: unknown;
    for (let tries = 1; tries <= COMPLETE_TRIES; tries++) {
      try {
        if (await store.complete({ id, lease, result: stored, expiresAt, deadline })) return stored;
        warn(new LeaseLostError(id, 'complete'));
        return undefined;
      } catch (error) {
        lastError = error;
        // The store measured the item and it did not fit: keep the marker, never a second run.
        if (error instanceof ResultTooLargeError && stored.kind !== 'error') {
          unstorable = error;
          stored = { kind: 'error', name: error.name, message: error.message };
          tries--;
          continue;
        }
        if (tries < COMPLETE_TRIES) await sleep(COMPLETE_RETRY_DELAY_MS * 2 ** (tries - 1));
      }
    }
    warn(new ResultNotPersistedError(id, { cause: lastError }));
    return undefined;
  }

  return {
    recordId: id,
    async complete(value) {
      if (finished) return;
      finished = true;
      let result: StoredResult;
      try {
        result = codec.encode(value);
      } catch (error) {
        if (!(error instanceof UnstorableResultError)) throw error;
        unstorable = error;
        result = { kind: 'error', name: error.name, message: error.message };
      }
      const expiresAt = epochSeconds(context.clock()) + context.ttlSeconds;
      const stored = await persist(result, expiresAt);
      if (stored !== undefined) context.onCompleted(identity, stored, expiresAt);
      if (unstorable) throw unstorable;
    },
    abandon() {
      finished = true;
    },
    async release() {
      if (finished) return;
      finished = true;
      try {
        if (!(await store.release({ id, lease, deadline }))) warn(new LeaseLostError(id, 'release'));
      } catch (error) {
        warn(
          error instanceof StoreError
            ? error
            : new StoreError(`Releasing idempotency record "${id}" failed.`, 'release', { cause: error }),
        );
      }
    },
  };
}
