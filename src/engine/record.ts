/** The two states of a record. A failed attempt leaves no record: its claim is deleted. */
export type RecordStatus = 'INPROGRESS' | 'COMPLETED';

/**
 * A stored result, in the form the engine hands to a store. A store keeps each kind apart in its
 * own way (DynamoDB: string, binary, NULL and map attribute types).
 */
export type StoredResult =
  /** The serializer's text. */
  | { readonly kind: 'text'; readonly text: string }
  /** The serializer's text, compressed (see `result-codec.ts` for the framing). */
  | { readonly kind: 'compressed'; readonly bytes: Uint8Array }
  /** The handler returned `undefined`, which no JSON text can express. */
  | { readonly kind: 'undefined' }
  /** The handler's result could not be stored; duplicates get this error instead of a replay. */
  | { readonly kind: 'error'; readonly name: string; readonly message: string };

/** One record per idempotency key, as the engine sees it. */
export interface IdempotencyRecord {
  /** Scope and hashed key: the item's key in the table. */
  readonly id: string;
  /** `INPROGRESS` while an attempt holds the claim, `COMPLETED` once its result is stored. */
  readonly status: RecordStatus;
  /** Epoch seconds: the end of the idempotency window (the table's TTL attribute). */
  readonly expiresAt: number;
  /** Epoch milliseconds: when an INPROGRESS claim may be taken over. */
  readonly inProgressUntil?: number;
  /** Fencing token of the attempt that wrote the record. */
  readonly lease?: string;
  /** Hash of the payload that must match on a replay, when the `payload` option is set. */
  readonly fingerprint?: string;
  /** The stored result of a `COMPLETED` record. */
  readonly result?: StoredResult;
}

/** Epoch seconds, the unit of `expiresAt` (DynamoDB's TTL unit), from epoch milliseconds. */
export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

/** Whether an idempotency window ending at `expiresAt` is over; the rule every check shares. */
export function hasExpired(expiresAt: number, nowMs: number): boolean {
  return expiresAt < epochSeconds(nowMs);
}

/**
 * The instant every lapse decision is judged at: the clock minus the skew margin. The engine passes
 * it to stores as `ClaimRequest.now` and to {@link isLapsed}, so no store applies a margin of its own.
 */
export function lapseJudgedAt(nowMs: number, clockSkewMs: number): number {
  return nowMs - clockSkewMs;
}

/** Whether the record no longer stands in the way of a new claim, judged at `judgedAtMs` (see {@link lapseJudgedAt}). */
export function isLapsed(record: IdempotencyRecord, judgedAtMs: number): boolean {
  const nowMs = judgedAtMs;
  if (hasExpired(record.expiresAt, nowMs)) return true;
  return record.status === 'INPROGRESS' && record.inProgressUntil !== undefined && record.inProgressUntil < nowMs;
}
