import { setTimeout as sleep } from 'node:timers/promises';
import {
  CorruptRecordError,
  InProgressError,
  isStoreUnavailable,
  PayloadMismatchError,
  StoreError,
  UnstorableResultError,
} from '../errors.js';
import { type ClaimContext, createClaim } from './claim.js';
import {
  DEFAULT_CACHE_ENTRIES,
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_COMPRESSION,
  DEFAULT_DURABLE_EXECUTION_TIMEOUT_SECONDS,
  DEFAULT_IN_PROGRESS_TIMEOUT_MS,
  DEFAULT_TTL_SECONDS,
  DEFAULT_WAIT_INITIAL_DELAY_MS,
  DEFAULT_WAIT_MAX_DELAY_MS,
  MIN_CLAIM_MS,
} from './defaults.js';
import { engineFromBegin } from './engine-from-begin.js';
import { sha256Base64url } from './hash.js';
import type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './idempotency-engine.js';
import { createIdentifier, type Identity } from './identity.js';
import { newLease } from './lease.js';
import { LruCache } from './lru-cache.js';
import type { IdempotencyOptions } from './options.js';
import { epochSeconds, hasExpired, type IdempotencyRecord, isLapsed, lapseJudgedAt, type StoredResult } from './record.js';
import { createResultCodec } from './result-codec.js';
import { jsonSerializer } from './serializer.js';
import type { ClaimResult } from './store.js';
import { createWarn } from './warn.js';

interface CachedResult {
  readonly result: StoredResult;
  readonly expiresAt: number;
  readonly fingerprint: string | undefined;
}

/** The first claim, and one more when the record it met had vanished or lapsed. */
const CLAIM_TRIES = 2;
const UNKEYED: InvocationDecision = { kind: 'unkeyed' };
const CLAIM_AGAIN = Symbol('claim again');

/**
 * The record state machine: from an invocation's key, the local cache, the claim and the record that
 * stood in the way, it decides to replay, to run under a claim, or to refuse. Options are validated.
 */
export function createStateMachine<TInput>(options: IdempotencyOptions<TInput>): IdempotencyEngine<TInput> {
  const { store, waitForInProgress: wait } = options;
  const failOpen = options.whenStoreUnavailable === 'fail-open';
  const clock = options.clock ?? Date.now;
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const judgedAt = () => lapseJudgedAt(clock(), skew);
  const warn = createWarn(options.logger ?? console, options.onWarning);
  const identify = createIdentifier({
    key: options.key,
    payload: options.payload,
    keyPrefix: options.keyPrefix,
    name: options.name,
    requireKey: options.requireKey ?? true,
    warn,
  });
  const cache = options.localCache
    ? new LruCache<CachedResult>(options.localCache === true ? DEFAULT_CACHE_ENTRIES : options.localCache.maxEntries)
    : undefined;
  const compression = store.compression ?? DEFAULT_COMPRESSION;
  const codec = createResultCodec({
    serializer: options.serializer ?? jsonSerializer,
    compressAboveBytes: options.compressAboveBytes ?? compression.aboveBytes,
    favour: compression.favour,
    maxResultBytes: store.maxResultBytes,
  });
  const claimContext: ClaimContext = {
    store,
    codec,
    clock,
    warn,
    ttlSeconds: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    onCompleted: remember,
  };

  function remember(identity: Identity, result: StoredResult, expiresAt: number): void {
    cache?.set(identity.id, { result: codec.expand(result), expiresAt, fingerprint: identity.fingerprint });
  }

  function decodeStored(id: string, result: StoredResult): unknown {
    try {
      return codec.decode(result);
    } catch (error) {
      if (error instanceof UnstorableResultError) throw error;
      throw new CorruptRecordError(id, 'its stored result cannot be decoded', { cause: error });
    }
  }

  function replay(identity: Identity, result: StoredResult | undefined, expiresAt: number): InvocationDecision {
    if (result === undefined) throw new CorruptRecordError(identity.id, 'it is COMPLETED but holds no result');
    let expanded: StoredResult;
    try {
      expanded = codec.expand(result);
    } catch (error) {
      throw new CorruptRecordError(identity.id, 'its stored result cannot be decoded', { cause: error });
    }
    const value = decodeStored(identity.id, expanded);
    remember(identity, expanded, expiresAt);
    return { kind: 'replay', value, recordId: identity.id, fromCache: false };
  }

  function assertSamePayload(identity: Identity, recordFingerprint: string | undefined): void {
    if (identity.fingerprint !== undefined && recordFingerprint !== undefined && recordFingerprint !== identity.fingerprint) {
      throw new PayloadMismatchError(identity.id);
    }
  }

  function fromCache(identity: Identity): InvocationDecision | undefined {
    const cached = cache?.get(identity.id);
    if (cached === undefined) return undefined;
    if (hasExpired(cached.expiresAt, clock())) {
      cache?.delete(identity.id);
      return undefined;
    }
    assertSamePayload(identity, cached.fingerprint);
    return { kind: 'replay', value: decodeStored(identity.id, cached.result), recordId: identity.id, fromCache: true };
  }

  /** Decides what an existing record means for us; polls while it is in progress and waiting is on. */
  async function decideOnExisting(
    identity: Identity,
    lease: string,
    found: IdempotencyRecord | undefined,
    waitUntil: number,
    deadline: number | undefined,
  ): Promise<InvocationDecision | typeof CLAIM_AGAIN> {
    let record = found;
    let delay = wait?.initialDelayMs ?? DEFAULT_WAIT_INITIAL_DELAY_MS;
    for (;;) {
      if (record === undefined) return CLAIM_AGAIN;
      if (record.lease === lease) {
        // A durable execution replayed after its own result was stored (it ended before the SDK saw it).
        if (record.status === 'COMPLETED') return replay(identity, record.result, record.expiresAt);
        // Our own claim: a write whose response was lost and was retried, or a durable execution's replay.
        return { kind: 'claimed', claim: createClaim(claimContext, identity, lease, deadline) };
      }
      if (isLapsed(record, judgedAt())) return CLAIM_AGAIN;
      assertSamePayload(identity, record.fingerprint);
      if (record.status === 'COMPLETED') return replay(identity, record.result, record.expiresAt);
      if (clock() + delay > waitUntil) throw new InProgressError(identity.id, record.inProgressUntil);
      await sleep(delay);
      delay = Math.min(delay * 2, wait?.maxDelayMs ?? DEFAULT_WAIT_MAX_DELAY_MS);
      record = await store.get(identity.id, { deadline });
    }
  }

  async function begin(request: InvocationRequest<TInput>): Promise<InvocationDecision> {
    const identity = identify(request.input, request.scope);
    if (identity === undefined) return UNKEYED;
    const cached = fromCache(identity);
    if (cached !== undefined) return cached;

    const now = clock();
    const lease = leaseFor(request);
    const claimMs = claimDurationMs(request);
    const inProgressUntil = now + claimMs;
    // Waiting never outlasts this invocation: Lambda would stop it mid-wait.
    const waitUntil = now + Math.min(wait?.timeoutMs ?? 0, request.remainingTimeMs ?? Number.POSITIVE_INFINITY);
    // Wall-clock time (not the engine's clock, which tests move by hand): a store bounds its
    // requests and retries by it, so a failure still leaves the invocation time to answer.
    const deadline = request.remainingTimeMs === undefined ? undefined : Date.now() + request.remainingTimeMs;
    let lastSeen: IdempotencyRecord | undefined;
    // Claim again while the key keeps coming free (owners that failed and released), up to
    // CLAIM_TRIES, or for as long as a waiter has wait time left: that budget is the wait's.
    for (let tries = 0; tries < CLAIM_TRIES || clock() < waitUntil; tries++) {
      if (tries >= CLAIM_TRIES) await sleep(Math.min(wait?.initialDelayMs ?? DEFAULT_WAIT_INITIAL_DELAY_MS, waitUntil - clock()));
      const claimNow = clock();
      let outcome: ClaimResult;
      try {
        outcome = await store.claim({
          id: identity.id,
          lease,
          fingerprint: identity.fingerprint,
          inProgressUntil,
          // A claim must not lapse through its window before its holder could have finished.
          expiresAt: Math.max(epochSeconds(claimNow) + claimContext.ttlSeconds, Math.ceil(inProgressUntil / 1000)),
          now: lapseJudgedAt(claimNow, skew),
          deadline,
        });
      } catch (error) {
        // Only a claim fails open: every claim is sent when no live record is known to hold the key
        // (none yet, or the last one seen had gone or lapsed). A read while waiting for a live
        // owner fails closed, so nothing runs beside a claim known to be live.
        if (failOpen && isStoreUnavailable(error)) return runUnprotected(identity.id, error);
        throw error;
      }
      if (outcome.claimed) return { kind: 'claimed', claim: createClaim(claimContext, identity, lease, deadline) };
      lastSeen = outcome.existing ?? lastSeen;
      const decision = await decideOnExisting(identity, lease, outcome.existing, waitUntil, deadline);
      if (decision !== CLAIM_AGAIN) return decision;
    }
    throw new InProgressError(identity.id, lastSeen?.inProgressUntil);
  }

  /**
   * Fails open: the handler runs with no claim, so nothing can complete or release a record for
   * it, and a claim write that lands after it was given up on holds a lease nobody has.
   */
  function runUnprotected(recordId: string, error: StoreError): InvocationDecision {
    warn(
      new StoreError(
        `The idempotency store is unavailable: record "${recordId}" runs WITHOUT idempotency (whenStoreUnavailable: 'fail-open'); nothing of this run is stored, and a duplicate may run it again.`,
        error.operation,
        { cause: error, recordId, unavailable: true },
      ),
    );
    return { kind: 'store-unavailable', recordId, error };
  }

  function claimDurationMs(request: InvocationRequest<TInput>): number {
    if (request.durableExecutionId !== undefined) {
      return (options.durableExecutionTimeoutSeconds ?? DEFAULT_DURABLE_EXECUTION_TIMEOUT_SECONDS) * 1000;
    }
    return request.remainingTimeMs === undefined
      ? (options.inProgressTimeoutMs ?? DEFAULT_IN_PROGRESS_TIMEOUT_MS)
      : Math.max(request.remainingTimeMs, MIN_CLAIM_MS);
  }

  return engineFromBegin(begin);
}

/**
 * A fresh fencing token per invocation; for a durable execution, one derived from its id, so every
 * replay of that execution presents the lease its first invocation claimed with.
 */
function leaseFor(request: InvocationRequest<unknown>): string {
  if (request.durableExecutionId === undefined) return newLease();
  return `durable:${sha256Base64url(request.durableExecutionId)}`;
}
