import type { IdempotencyRecord, StoredResult } from '../../src/engine/record.js';
import type {
  ClaimRequest,
  ClaimResult,
  CompleteRequest,
  CompressionPreference,
  IdempotencyStore,
  ReleaseRequest,
} from '../../src/engine/store.js';
import { ResultTooLargeError, StoreError } from '../../src/errors.js';

/** The requests of the store port, as the memory store counts them. */
export type Operation = 'claim' | 'get' | 'complete' | 'release';

/**
 * What goes wrong with one request, as a client sees it:
 * - `unavailable`: the request never reached the store (throttled, refused); nothing was applied.
 * - `lost-response`: the store applied it, the response never came back; the client gives up.
 * - `lost-response-retried`: the store applied it, the response was lost, and the client sent the
 *   same request again (as the AWS SDK and the Valkey clients do): the caller gets the retry's answer.
 * - `outage`: as `unavailable`, but reported as a real store reports an outage (refused, throttled
 *   past its retries): a `StoreError` marked `unavailable`, which may fail open and counts towards
 *   the circuit.
 */
export type Fault = 'unavailable' | 'lost-response' | 'lost-response-retried' | 'outage';

export interface MemoryStoreOptions {
  /**
   * The store's own clock, in epoch milliseconds: it only decides native expiry (the table's TTL
   * deleting a record). Claims are judged at `ClaimRequest.now`, as every store does. Default `Date.now`.
   */
  readonly clock?: () => number;
  /**
   * Whether a failed claim returns the record that stood in the way, as DynamoDB
   * (`ReturnValuesOnConditionCheckFailure`) and Valkey do. `false` behaves like dynalite: the store
   * reads the record with a second request. Default true.
   */
  readonly returnsExistingOnConditionFailure?: boolean;
  /** The largest stored result. Default DynamoDB's: 400 KB less room for the other attributes. */
  readonly maxResultBytes?: number;
  /**
   * The store measures what it is given and refuses a result above this size with
   * `ResultTooLargeError`, as DynamoDB refuses an item over 400 KB. Default: no limit of its own.
   */
  readonly refuseResultsAboveBytes?: number;
  /** The store's compression preference (`IdempotencyStore.compression`). Default none. */
  readonly compression?: CompressionPreference;
  /**
   * Native expiry: a record is deleted once its window has ended by the store's clock, plus this
   * margin (the Valkey store keeps a key 60 s past its window, DynamoDB's TTL deletes later still).
   * Default 60000.
   */
  readonly expiryGraceMs?: number;
}

const DYNAMODB_MAX_RESULT_BYTES = 400 * 1024 - 2 * 1024;
const DEFAULT_EXPIRY_GRACE_MS = 60_000;

/**
 * The store port kept in memory, with the conditions of the DynamoDB and Valkey stores: a claim
 * is written only where no live record stands, `complete` and `release` only under the lease that
 * holds the record, expired records vanish. It counts every request it serves and can fail,
 * lose responses or pause before a request where a test says so. Each request yields once before it
 * is applied (as a network round trip does) and is then applied atomically.
 *
 * Proven faithful by the shared store contract suite (test/stores/memory.contract.test.ts).
 */
export class MemoryStore implements IdempotencyStore {
  readonly maxResultBytes: number;
  readonly compression?: CompressionPreference;
  /** Every request served, in order (a failed claim's fallback read counts as a `get`). */
  readonly requests: Operation[] = [];
  readonly #records = new Map<string, IdempotencyRecord>();
  readonly #clock: () => number;
  readonly #returnsExisting: boolean;
  readonly #refuseAboveBytes: number;
  readonly #graceMs: number;
  readonly #faults: Record<Operation, Fault[]> = { claim: [], get: [], complete: [], release: [] };
  readonly #pauses: Record<Operation, (() => Promise<void> | void)[]> = { claim: [], get: [], complete: [], release: [] };

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#returnsExisting = options.returnsExistingOnConditionFailure ?? true;
    this.maxResultBytes = options.maxResultBytes ?? DYNAMODB_MAX_RESULT_BYTES;
    this.#refuseAboveBytes = options.refuseResultsAboveBytes ?? Number.POSITIVE_INFINITY;
    this.#graceMs = options.expiryGraceMs ?? DEFAULT_EXPIRY_GRACE_MS;
    if (options.compression !== undefined) this.compression = options.compression;
  }

  // The port.

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const result = await this.#serve('claim', () => this.#claim(request));
    if (result.claimed || this.#returnsExisting) return result;
    // An endpoint that does not return the old item: the store reads it, one more request.
    return { claimed: false, existing: await this.get(request.id) };
  }

  get(id: string): Promise<IdempotencyRecord | undefined> {
    return this.#serve('get', () => this.#read(id));
  }

  complete(request: CompleteRequest): Promise<boolean> {
    return this.#serve('complete', () => this.#complete(request));
  }

  release(request: ReleaseRequest): Promise<boolean> {
    return this.#serve('release', () => this.#release(request));
  }

  // What tests arrange and inspect, past the port: none of it counts as a request.

  /** Requests served so far, of one operation or of all. */
  count(operation?: Operation): number {
    return operation === undefined ? this.requests.length : this.requests.filter((served) => served === operation).length;
  }

  /** Forgets the requests counted so far. */
  resetRequests(): void {
    this.requests.length = 0;
  }

  /** The next `times` requests of `operation` meet `fault`. */
  fail(operation: Operation, fault: Fault, times = 1): void {
    for (let index = 0; index < times; index++) this.#faults[operation].push(fault);
  }

  /** Runs `step` before the next request of `operation` is applied (to order one invocation's moves between another's). */
  beforeNext(operation: Operation, step: () => Promise<void> | void): void {
    this.#pauses[operation].push(step);
  }

  /** The record as the store holds it now (after native expiry), or undefined. */
  peek(id: string): IdempotencyRecord | undefined {
    return this.#read(id);
  }

  /** Ids of the records the store holds now. */
  ids(): string[] {
    return [...this.#records.keys()].filter((id) => this.#read(id) !== undefined);
  }

  /** Writes a record as given, whatever it holds (a record of another writer, a corrupt one). */
  put(record: IdempotencyRecord): void {
    this.#records.set(record.id, copy(record));
  }

  /** Deletes a record out of band (an operator's delete). */
  delete(id: string): void {
    this.#records.delete(id);
  }

  // The conditions, as the DynamoDB condition expressions and the Valkey scripts state them.

  #claim(request: ClaimRequest): ClaimResult {
    const existing = this.#read(request.id);
    if (existing !== undefined && !lapsedAt(existing, request.now)) return { claimed: false, existing };
    this.#records.set(request.id, {
      id: request.id,
      status: 'INPROGRESS',
      expiresAt: request.expiresAt,
      inProgressUntil: request.inProgressUntil,
      lease: request.lease,
      ...(request.fingerprint === undefined ? {} : { fingerprint: request.fingerprint }),
    });
    return { claimed: true };
  }

  #complete(request: CompleteRequest): boolean {
    const existing = this.#read(request.id);
    if (existing === undefined || existing.lease !== request.lease) return false;
    if (storedBytes(request.result) > this.#refuseAboveBytes) {
      throw new ResultTooLargeError(`The memory store refused the result of record "${request.id}" as too large.`);
    }
    const { inProgressUntil: _dropped, ...kept } = existing;
    this.#records.set(request.id, { ...kept, status: 'COMPLETED', expiresAt: request.expiresAt, result: copy(request.result) });
    return true;
  }

  #release(request: ReleaseRequest): boolean {
    const existing = this.#read(request.id);
    // Already gone counts as released: a retried release whose first response was lost finds nothing.
    if (existing === undefined) return true;
    if (existing.lease !== request.lease) return false;
    this.#records.delete(request.id);
    return true;
  }

  /** A copy of the record, unless native expiry has removed it by now. */
  #read(id: string): IdempotencyRecord | undefined {
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    if (this.#clock() >= (record.expiresAt + 1) * 1000 + this.#graceMs) {
      this.#records.delete(id);
      return undefined;
    }
    return wholeRecord(copy(record));
  }

  /** One request: a round trip's yield, any pause or fault the test asked for, then the operation applied at once. */
  async #serve<T>(operation: Operation, apply: () => T): Promise<T> {
    await this.#pauses[operation].shift()?.();
    await Promise.resolve();
    this.requests.push(operation);
    const fault = this.#faults[operation].shift();
    if (fault === 'unavailable') throw unavailable(operation);
    if (fault === 'outage') {
      throw new StoreError(`Memory store ${operation} failed: the test took the store down.`, operation, {
        cause: new Error('injected outage'),
        unavailable: true,
      });
    }
    const answer = apply();
    if (fault === 'lost-response') throw unavailable(operation);
    if (fault === 'lost-response-retried') {
      this.requests.push(operation);
      return apply();
    }
    return answer;
  }
}

/** The claim condition: expired by its window, or an INPROGRESS claim past its in-progress expiry (both strictly). */
function lapsedAt(record: IdempotencyRecord, nowMs: number): boolean {
  if (record.expiresAt < Math.floor(nowMs / 1000)) return true;
  return record.status === 'INPROGRESS' && record.inProgressUntil !== undefined && record.inProgressUntil < nowMs;
}

/** Every field of a record present, absent ones as undefined: the shape the DynamoDB and Valkey stores read back. */
function wholeRecord(record: IdempotencyRecord): IdempotencyRecord {
  const { id, status, expiresAt, inProgressUntil, lease, fingerprint, result } = record;
  return { id, status, expiresAt, inProgressUntil, lease, fingerprint, result };
}

function storedBytes(result: StoredResult): number {
  switch (result.kind) {
    case 'text':
      return Buffer.byteLength(result.text);
    case 'compressed':
      return result.bytes.byteLength;
    case 'error':
      return Buffer.byteLength(result.message);
    case 'undefined':
      return 0;
  }
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function unavailable(operation: Operation): StoreError {
  return new StoreError(`Memory store ${operation} failed: the test made it unavailable.`, operation, {
    cause: new Error('injected fault'),
  });
}
