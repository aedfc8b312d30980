import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CorruptRecordError,
  type IdempotencyWarning,
  InProgressError,
  InvalidIdempotencyKeyError,
  LeaseLostError,
  MissingIdempotencyKeyError,
  PayloadMismatchError,
  ResultNotPersistedError,
  ResultTooLargeError,
  StoreError,
  UnstorableResultError,
} from '../errors.js';
import { hashMaterial } from './hash.js';
import { LruCache } from './lru-cache.js';
import type { IdempotencyOptions } from './options.js';
import { type IdempotencyRecord, isLapsed, type StoredResult } from './record.js';
import { createResultCodec, type ResultCodec } from './result-codec.js';
import { compileSelector, isMissing } from './selector.js';
import { jsonSerializer } from './serializer.js';
import type { IdempotencyStore } from './store.js';
import { validateOptions } from './validate-options.js';

/** What an adapter knows about one invocation. */
export interface InvocationRequest<TInput> {
  readonly input: TInput;
  /** The record scope the adapter derived (function name...); `keyPrefix` overrides it. */
  readonly scope: string;
  /** `context.getRemainingTimeInMillis()` when a Lambda context exists. 0 is a real value. */
  readonly remainingTimeMs?: number;
}

/** The claim this invocation holds. Settle it exactly once: `complete` or `fail`. */
export interface Attempt {
  readonly recordId: string;
  /**
   * Stores the handler's result and marks the record COMPLETED. Never releases the claim.
   * @throws {UnstorableResultError} when the result cannot be stored; the record then carries
   * the error, so duplicates receive it instead of running the handler again.
   */
  complete(value: unknown): Promise<void>;
  /** Deletes this attempt's claim (only while it still holds the lease), so a retry can run. */
  fail(): Promise<void>;
}

export type Begin =
  | { readonly kind: 'replay'; readonly value: unknown }
  | { readonly kind: 'claimed'; readonly attempt: Attempt }
  /** No key and `requireKey: false`: run the handler without idempotency. */
  | { readonly kind: 'unkeyed' };

export interface IdempotencyEngine<TInput> {
  begin(request: InvocationRequest<TInput>): Promise<Begin>;
  /** begin, run the handler once if claimed, then complete or fail. */
  run<R>(request: InvocationRequest<TInput>, handler: () => Promise<R>): Promise<R>;
}

interface CachedResult {
  readonly result: StoredResult;
  readonly expiresAt: number;
  readonly fingerprint: string | undefined;
}

interface Identity {
  readonly id: string;
  readonly fingerprint: string | undefined;
}

const DEFAULT_TTL_SECONDS = 3600;
/** Lambda's longest timeout: a claim made without a context outlives any invocation. */
const DEFAULT_IN_PROGRESS_TIMEOUT_MS = 900_000;
const DEFAULT_CACHE_ENTRIES = 256;
const DEFAULT_COMPRESS_ABOVE_BYTES = 1024;
/** The first claim, and one more when the record it met had vanished or lapsed. */
const CLAIM_TRIES = 2;
const COMPLETE_TRIES = 3;
const COMPLETE_RETRY_DELAY_MS = 50;
const UNKEYED: Begin = { kind: 'unkeyed' };
const CLAIM_AGAIN = Symbol('claim again');

export function createIdempotencyEngine<TInput>(options: IdempotencyOptions<TInput>): IdempotencyEngine<TInput> {
  validateOptions(options);
  const store: IdempotencyStore = options.store;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const clock = options.clock ?? Date.now;
  const selectKey = compileSelector(options.key ?? ((input: TInput) => input), 'key');
  const selectPayload = options.payload === undefined ? undefined : compileSelector(options.payload, 'payload');
  const logger = options.logger ?? console;
  const cache = createCache(options.localCache);
  const codec: ResultCodec = createResultCodec({
    serializer: options.serializer ?? jsonSerializer,
    compressAboveBytes: options.compressAboveBytes ?? DEFAULT_COMPRESS_ABOVE_BYTES,
    maxResultBytes: store.maxResultBytes,
  });
  const wait = options.waitForInProgress;

  function report(warning: IdempotencyWarning): void {
    logger.warn(warning.message, {
      name: warning.name,
      ...(warning.cause === undefined ? {} : { cause: String(warning.cause) }),
    });
    try {
      options.onWarning?.(warning);
    } catch {
      // A failing warning hook must not turn a finished invocation into a failed one.
    }
  }

  function identify(request: InvocationRequest<TInput>): Identity | undefined {
    let material: unknown;
    try {
      material = selectKey(request.input);
    } catch (cause) {
      return missingKey(`the key selector threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
    }
    if (isMissing(material)) return missingKey(`the key selector found ${describeMissing(material)}`);
    const id = `${options.keyPrefix ?? request.scope}#${hashMaterial(material)}`;
    return { id, fingerprint: fingerprintOf(request.input) };
  }

  function missingKey(reason: string, cause?: unknown): undefined {
    const error = new MissingIdempotencyKeyError(`No idempotency key: ${reason}.`, cause === undefined ? undefined : { cause });
    if (options.requireKey ?? true) throw error;
    report(error);
    return undefined;
  }

  function fingerprintOf(input: TInput): string | undefined {
    if (selectPayload === undefined) return undefined;
    let payload: unknown;
    try {
      payload = selectPayload(input);
    } catch (cause) {
      throw new InvalidIdempotencyKeyError('The payload selector threw while reading the input.', { cause });
    }
    return hashMaterial(payload ?? null);
  }

  function replay(identity: Identity, result: StoredResult | undefined, expiresAt: number): Begin {
    if (result === undefined) throw new CorruptRecordError(identity.id, 'it is COMPLETED but holds no result');
    const value = decodeStored(identity.id, result);
    cache?.set(identity.id, { result, expiresAt, fingerprint: identity.fingerprint });
    return { kind: 'replay', value };
  }

  function decodeStored(id: string, result: StoredResult): unknown {
    try {
      return codec.decode(result);
    } catch (error) {
      if (error instanceof UnstorableResultError) throw error;
      throw new CorruptRecordError(id, 'its stored result cannot be decoded', { cause: error });
    }
  }

  function assertSamePayload(identity: Identity, recordFingerprint: string | undefined): void {
    if (identity.fingerprint !== undefined && recordFingerprint !== undefined && recordFingerprint !== identity.fingerprint) {
      throw new PayloadMismatchError(identity.id);
    }
  }

  /** Decides what an existing record means for us; polls while it is in progress and waiting is on. */
  async function settle(
    identity: Identity,
    lease: string,
    found: IdempotencyRecord | undefined,
    waitUntil: number,
  ): Promise<Begin | typeof CLAIM_AGAIN> {
    let record = found;
    let delay = wait?.initialDelayMs ?? 50;
    for (;;) {
      if (record === undefined) return CLAIM_AGAIN;
      // Our own claim, applied by DynamoDB although its response was lost and the write retried.
      if (record.lease === lease) return { kind: 'claimed', attempt: claimedAttempt(identity, lease) };
      if (isLapsed(record, clock())) return CLAIM_AGAIN;
      assertSamePayload(identity, record.fingerprint);
      if (record.status === 'COMPLETED') return replay(identity, record.result, record.expiresAt);
      if (clock() + delay > waitUntil) throw new InProgressError(identity.id, record.inProgressUntil);
      await sleep(delay);
      delay = Math.min(delay * 2, wait?.maxDelayMs ?? 1000);
      record = await store.get(identity.id);
    }
  }

  async function begin(request: InvocationRequest<TInput>): Promise<Begin> {
    const identity = identify(request);
    if (identity === undefined) return UNKEYED;
    const now = clock();
    const cached = cache?.get(identity.id);
    if (cached !== undefined) {
      if (cached.expiresAt >= Math.floor(now / 1000)) {
        assertSamePayload(identity, cached.fingerprint);
        return { kind: 'replay', value: decodeStored(identity.id, cached.result) };
      }
      cache?.delete(identity.id);
    }
    const lease = randomBytes(12).toString('base64url');
    const inProgressUntil = now + (request.remainingTimeMs ?? options.inProgressTimeoutMs ?? DEFAULT_IN_PROGRESS_TIMEOUT_MS);
    // Waiting never outlasts this invocation: Lambda would kill it mid-wait.
    const waitUntil = now + Math.min(wait?.timeoutMs ?? 0, request.remainingTimeMs ?? Number.POSITIVE_INFINITY);
    let lastSeen: IdempotencyRecord | undefined;
    for (let tries = 0; tries < CLAIM_TRIES; tries++) {
      const claimNow = clock();
      const outcome = await store.claim({
        id: identity.id,
        lease,
        fingerprint: identity.fingerprint,
        inProgressUntil,
        expiresAt: Math.floor(claimNow / 1000) + ttlSeconds,
        now: claimNow,
      });
      if (outcome.claimed) return { kind: 'claimed', attempt: claimedAttempt(identity, lease) };
      lastSeen = outcome.existing ?? lastSeen;
      const settled = await settle(identity, lease, outcome.existing, waitUntil);
      if (settled !== CLAIM_AGAIN) return settled;
    }
    throw new InProgressError(identity.id, lastSeen?.inProgressUntil);
  }

  function claimedAttempt(identity: Identity, lease: string): Attempt {
    let settled = false;
    const { id } = identity;

    async function persist(result: StoredResult, expiresAt: number): Promise<StoredResult | undefined> {
      let lastError: unknown;
      let stored = result;
      for (let tries = 1; tries <= COMPLETE_TRIES; tries++) {
        try {
          if (await store.complete({ id, lease, result: stored, expiresAt })) return stored;
          report(new LeaseLostError(id, 'complete'));
          return undefined;
        } catch (error) {
          lastError = error;
          // The store measured the item and it did not fit: keep the marker, never a second run.
          if (error instanceof ResultTooLargeError && stored.kind !== 'error') {
            stored = { kind: 'error', name: error.name, message: error.message };
            tries--;
            continue;
          }
          if (tries < COMPLETE_TRIES) await sleep(COMPLETE_RETRY_DELAY_MS * 2 ** (tries - 1));
        }
      }
      report(new ResultNotPersistedError(id, { cause: lastError }));
      return undefined;
    }

    return {
      recordId: id,
      async complete(value) {
        if (settled) return;
        settled = true;
        let result: StoredResult;
        let unstorable: UnstorableResultError | undefined;
        try {
          result = codec.encode(value);
        } catch (error) {
          if (!(error instanceof UnstorableResultError)) throw error;
          unstorable = error;
          result = { kind: 'error', name: error.name, message: error.message };
        }
        const expiresAt = Math.floor(clock() / 1000) + ttlSeconds;
        const stored = await persist(result, expiresAt);
        if (stored !== undefined) cache?.set(id, { result: stored, expiresAt, fingerprint: identity.fingerprint });
        if (unstorable) throw unstorable;
        // The store refused the result as too large and an error marker was stored instead.
        if (stored?.kind === 'error') decodeStored(id, stored);
      },
      async fail() {
        if (settled) return;
        settled = true;
        try {
          if (!(await store.release({ id, lease }))) report(new LeaseLostError(id, 'release'));
        } catch (error) {
          report(
            error instanceof StoreError
              ? error
              : new StoreError(`Releasing idempotency record "${id}" failed.`, 'release', { cause: error }),
          );
        }
      },
    };
  }

  async function run<R>(request: InvocationRequest<TInput>, handler: () => Promise<R>): Promise<R> {
    const begun = await begin(request);
    // A replay is the stored form of an earlier R; the serializer is trusted to round-trip it.
    if (begun.kind === 'replay') return begun.value as R;
    if (begun.kind === 'unkeyed') return handler();
    let value: R;
    try {
      value = await handler();
    } catch (error) {
      await begun.attempt.fail();
      throw error;
    }
    await begun.attempt.complete(value);
    return value;
  }

  return { begin, run };
}

function createCache(setting: IdempotencyOptions<unknown>['localCache']): LruCache<CachedResult> | undefined {
  if (!setting) return undefined;
  return new LruCache(setting === true ? DEFAULT_CACHE_ENTRIES : setting.maxEntries);
}

function describeMissing(value: unknown): string {
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'an empty array';
  if (value !== null && typeof value === 'object') return 'an empty object';
  return String(value);
}
