import type { IdempotencyRecord, StoredResult } from './record.js';

/** A new INPROGRESS record, written only if no live record holds the key. */
export interface ClaimRequest {
  /** The record id: scope and hashed key. */
  readonly id: string;
  /** The attempt's fencing token: only the attempt that wrote it may complete or release the record. */
  readonly lease: string;
  /** Epoch seconds: TTL of the claim, so a crashed attempt's record is eventually removed. */
  readonly expiresAt: number;
  /** Epoch milliseconds: after this instant another attempt may take the claim over. */
  readonly inProgressUntil: number;
  /** Hash of the payload that must match on a replay, when the `payload` option is set. */
  readonly fingerprint?: string;
  /**
   * Epoch milliseconds, the instant the claim's condition is evaluated against: the engine's clock
   * minus its clock-skew margin. Stores compare against it as given and apply no margin of their own.
   */
  readonly now: number;
  /**
   * Epoch milliseconds by the wall clock (`Date.now()`, never the engine's `clock`) by which this
   * request must have settled: the engine's `storeTimeoutMs` from now, or the Lambda invocation's
   * end less a reserve, whichever is first. The engine gives up on the request then; a store
   * should not start or retry an attempt past it.
   */
  readonly deadline?: number;
}

/** The claim's outcome: the record is ours, or the live record that stood in the way (for the engine to replay, refuse or wait on). */
export type ClaimResult =
  | { readonly claimed: true }
  /** `existing` is undefined when the record vanished between the failed write and the read. */
  | { readonly claimed: false; readonly existing: IdempotencyRecord | undefined };

/** Marks a claimed record `COMPLETED` with its result, only while it still carries the attempt's lease. */
export interface CompleteRequest {
  /** The record id: scope and hashed key. */
  readonly id: string;
  /** The attempt's fencing token: only the attempt that wrote it may complete or release the record. */
  readonly lease: string;
  /** The encoded result to store. */
  readonly result: StoredResult;
  /** Epoch seconds: the end of the idempotency window, counted from completion. */
  readonly expiresAt: number;
  /**
   * Epoch milliseconds by the wall clock (`Date.now()`, never the engine's `clock`) by which this
   * request must have settled: the engine's `storeTimeoutMs` from now, or the Lambda invocation's
   * end less a reserve, whichever is first. The engine gives up on the request then; a store
   * should not start or retry an attempt past it.
   */
  readonly deadline?: number;
}

/** Deletes a claimed record after a failed attempt, only while it still carries the attempt's lease. */
export interface ReleaseRequest {
  /** The record id: scope and hashed key. */
  readonly id: string;
  /** The attempt's fencing token: only the attempt that wrote it may complete or release the record. */
  readonly lease: string;
  /**
   * Epoch milliseconds by the wall clock (`Date.now()`, never the engine's `clock`) by which this
   * request must have settled: the engine's `storeTimeoutMs` from now, or the Lambda invocation's
   * end less a reserve, whichever is first. The engine gives up on the request then; a store
   * should not start or retry an attempt past it.
   */
  readonly deadline?: number;
}

/** A store's view of compression, applied where the engine's own options say nothing. */
export interface CompressionPreference {
  /** Results larger than this many bytes are compressed (the engine's `compressAboveBytes` option wins). */
  readonly aboveBytes: number;
  /**
   * `size`: spend CPU on large results to store fewer bytes (a store billed per stored KB, such
   * as DynamoDB's write units). `speed`: the fastest compression at every size.
   */
  readonly favour: 'size' | 'speed';
}

/**
 * The persistence port of the engine. Every write that touches an existing claim is fenced by the
 * lease: a store must apply `complete` and `release` only while the record still carries it.
 * A request that fails for want of the store (unreachable, timed out, throttled past retries)
 * rejects with a `StoreError` whose `unavailable` is true, any other failure with a plain
 * `StoreError`: only the first may fail open and counts towards the engine's circuit.
 */
export interface IdempotencyStore {
  /** The largest stored result, in bytes, that still fits in one record. */
  readonly maxResultBytes: number;
  /** How results are best compressed for this store. Omit it for the engine's neutral default: above 1 KB, at the fastest quality. */
  readonly compression?: CompressionPreference;
  /**
   * Writes an INPROGRESS record unless a live one exists. A live record is one that has not
   * expired and is COMPLETED, or INPROGRESS within its in-progress expiry.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** A strongly consistent read of one record; `deadline` as in {@link ClaimRequest.deadline}. */
  get(id: string, options?: { readonly deadline?: number }): Promise<IdempotencyRecord | undefined>;
  /** Marks the record COMPLETED with the result. Resolves false when the lease is no longer held. */
  complete(request: CompleteRequest): Promise<boolean>;
  /** Deletes the record. Resolves true once it is gone (an earlier try may have deleted it), false when another lease holds it. */
  release(request: ReleaseRequest): Promise<boolean>;
}
