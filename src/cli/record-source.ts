import type { IdempotencyRecord } from '../engine/record.js';

/** Which records `list` keeps: claims stuck at `stuckAt` (epoch ms), or windows ending before `expiringBefore` (epoch s). */
export interface RecordFilter {
  readonly stuckAt?: number;
  readonly expiringBefore?: number;
}

/** An item a listing read that is not a record in the layout given. */
export interface UnreadableItem {
  readonly id: string;
  /** The attribute names the item has, where the store can tell (DynamoDB). */
  readonly attributes?: readonly string[];
}

/** One page of a listing, with what it cost. */
export interface ScanPage {
  readonly records: IdempotencyRecord[];
  /** Items or keys the store read to produce this page, matching or not. */
  readonly scanned: number;
  /** DynamoDB read capacity the page consumed; undefined where the store has no such unit. */
  readonly readUnits?: number;
  /** Items read that are not records in the layout given (another application's data, other layout flags, corrupt). */
  readonly unreadable: readonly UnreadableItem[];
}

/** The records of one store, read and deleted the way an operator needs; one implementation per store. */
export interface RecordSource {
  /** What `list` announces on stderr before it starts: what the listing reads and what it costs. */
  readonly listingCost: string;
  /** The record layout this source reads, for the message when no item read has it. */
  readonly layout: string;
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
