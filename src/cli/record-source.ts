import type { IdempotencyRecord } from '../engine/record.js';

/** Which records `list` keeps: claims stuck at `stuckAt` (epoch ms), or windows ending before `expiringBefore` (epoch s). */
export interface RecordFilter {
  readonly stuckAt?: number;
  readonly expiringBefore?: number;
}

/** One page of a listing, with what it cost. */
export interface ScanPage {
  readonly records: IdempotencyRecord[];
  /** Items or keys the store read to produce this page, matching or not. */
  readonly scanned: number;
  /** DynamoDB read capacity the page consumed; undefined where the store has no such unit. */
  readonly readUnits?: number;
  /** Ids under our layout that could not be read as records (another application's data, or corrupt). */
  readonly unreadable: readonly string[];
}

/** The records of one store, read and deleted the way an operator needs; one implementation per store. */
export interface RecordSource {
  /** What `list` announces on stderr before it starts: what the listing reads and what it costs. */
  readonly listingCost: string;
  get(id: string): Promise<IdempotencyRecord | undefined>;
  /** Deletes the record only while it still has this status and lease; false when it changed or vanished. */
  deleteIf(id: string, status: IdempotencyRecord['status'], lease: string | undefined): Promise<boolean>;
  list(filter: RecordFilter): AsyncGenerator<ScanPage>;
  close(): Promise<void>;
}

/** The `list` filter in code, for stores that cannot filter on the server. Same rule as the DynamoDB FilterExpression. */
export function matchesFilter(record: IdempotencyRecord, filter: RecordFilter): boolean {
  const stuck =
    filter.stuckAt !== undefined &&
    record.status === 'INPROGRESS' &&
    record.inProgressUntil !== undefined &&
    record.inProgressUntil < filter.stuckAt;
  const old = filter.expiringBefore !== undefined && record.expiresAt < filter.expiringBefore;
  return stuck || old;
}
