import { setTimeout as sleep } from 'node:timers/promises';
import { CorruptRecordError, InProgressError, PayloadMismatchError, UnstorableResultError } from '../errors.js';
import { type Claim, type ClaimContext, createClaim } from './claim.js';
import { withKillSwitch, withResponseHook } from './controls.js';
import { engineFromBegin } from './engine-from-begin.js';
import { sha256Base64url } from './hash.js';
import { createIdentifier, type Identity } from './identity.js';
import { instrumentOf } from './instrumentation.js';
import { newLease } from './lease.js';
import { LruCache } from './lru-cache.js';
import type { IdempotencyOptions } from './options.js';
import { epochSeconds, hasExpired, type IdempotencyRecord, isLapsed, lapseJudgedAt, type StoredResult } from './record.js';
import { createResultCodec } from './result-codec.js';
import { jsonSerializer } from './serializer.js';
import { validateOptions } from './validate-options.js';
import { createWarn } from './warn.js';

export type { Claim } from './claim.js';

/** What an adapter knows about one invocation. */
export interface InvocationRequest<TInput> {
  /** The event or arguments the key and payload selectors read. */
  readonly input: TInput;
  /** The record scope the adapter derived (the function name, and a suffix of its own); `name` extends it, `keyPrefix` replaces it. */
  readonly scope: string;
  /** `context.getRemainingTimeInMillis()` when a Lambda context exists. 0 is a real value. */
  readonly remainingTimeMs?: number;
  /**
   * The id of an execution that re-runs the handler from the start in later invocations (a durable
   * function's execution ARN). Its claim's lease is derived from this id, so each re-run holds the
   * claim again, and the claim lasts `durableExecutionTimeoutSeconds` instead of one invocation.
   */
  readonly durableExecutionId?: string;
}

/** What `begin` decided: replay a stored value, run under a claim the caller must finish, or run without idempotency. */
export type InvocationDecision =
  | {
      readonly kind: 'replay';
      readonly value: unknown;
      /** The id of the record whose result is replayed. */
      readonly recordId: string;
      /** True when the result came from this container's local cache, without a request. */
      readonly fromCache: boolean;
    }
  | { readonly kind: 'claimed'; readonly claim: Claim }
  /** No key and `requireKey: false`: run the handler without idempotency. */
  | { readonly kind: 'unkeyed' };

/**
 * The record state machine, free of any event source or database. Adapters (the Middy
 * middleware, `makeIdempotent`) call `begin` and then finish the claim, or simply `run`.
 */
export interface IdempotencyEngine<TInput> {
  /** Looks the key up and claims it when no live record holds it. A `claimed` decision must be finished once: `claim.complete(result)`, `claim.release()`, or `claim.abandon()` when the invocation ends while the handler may still run. */
  begin(request: InvocationRequest<TInput>): Promise<InvocationDecision>;
  /** begin, run the handler once if claimed, then complete or fail. */
  run<R>(request: InvocationRequest<TInput>, handler: () => Promise<R>): Promise<R>;
}

interface CachedResult {
  readonly result: StoredResult;
  readonly expiresAt: number;
  readonly fingerprint: string | undefined;
}

const DEFAULT_TTL_SECONDS = 3600;
/** The longest a durable execution can run (366 days): its claim must not lapse while it still can. */
const DEFAULT_DURABLE_EXECUTION_TIMEOUT_SECONDS = 31_622_400;
/** Lambda's longest timeout: a claim made without a context outlives any invocation. */
const DEFAULT_IN_PROGRESS_TIMEOUT_MS = 900_000;
/**
 * The shortest claim, for a context reporting almost no time left (or a negative time): long enough
 * for the claim's own write to land before it lapses. With the skew margin, others wait 1 s + skew.
 */
export const MIN_CLAIM_MS = 1000;
/** NTP keeps Lambda hosts within milliseconds; 3 s covers a clock that is a couple of seconds off. */
const DEFAULT_CLOCK_SKEW_MS = 3000;
const DEFAULT_CACHE_ENTRIES = 256;
// DynamoDB bills a write unit per started KB of the whole item, and the other attributes of a
// record take 150 to 250 bytes: compressing from 512 bytes keeps a 1 KB result within one unit.
const DEFAULT_COMPRESS_ABOVE_BYTES = 512;
const DEFAULT_WAIT_INITIAL_DELAY_MS = 50;
const DEFAULT_WAIT_MAX_DELAY_MS = 1000;
/** The first claim, and one more when the record it met had vanished or lapsed. */
const CLAIM_TRIES = 2;
const UNKEYED: InvocationDecision = { kind: 'unkeyed' };
const CLAIM_AGAIN = Symbol('claim again');

/** Builds the engine behind every adapter, for event sources this package does not cover. Options are validated here: an unusable one throws `IdempotencyConfigError` at setup, not at the first invocation. */
export function createIdempotencyEngine<TInput>(options: IdempotencyOptions<TInput>): IdempotencyEngine<TInput> {
  validateOptions(options);
  // Outcomes, when sinks are given, are measured by the code those sinks bring (src/observability).
  const instrument = instrumentOf(options.onOutcome);
  const engine = instrument === undefined ? withResponseHook(buildEngine(options), options) : instrument(options, buildEngine);
  return withKillSwitch(engine, options);
}

/** The record state machine itself, from validated options. */
function buildEngine<TInput>(options: IdempotencyOptions<TInput>): IdempotencyEngine<TInput> {
  const { store, waitForInProgress: wait } = options;
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
  const codec = createResultCodec({
    serializer: options.serializer ?? jsonSerializer,
    compressAboveBytes: options.compressAboveBytes ?? store.compression?.aboveBytes ?? DEFAULT_COMPRESS_ABOVE_BYTES,
    favour: store.compression?.favour ?? 'size',
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
      const outcome = await store.claim({
        id: identity.id,
        lease,
        fingerprint: identity.fingerprint,
        inProgressUntil,
        // A claim must not lapse through its window before its holder could have finished.
        expiresAt: Math.max(epochSeconds(claimNow) + claimContext.ttlSeconds, Math.ceil(inProgressUntil / 1000)),
        now: lapseJudgedAt(claimNow, skew),
        deadline,
      });
      if (outcome.claimed) return { kind: 'claimed', claim: createClaim(claimContext, identity, lease, deadline) };
      lastSeen = outcome.existing ?? lastSeen;
      const decision = await decideOnExisting(identity, lease, outcome.existing, waitUntil, deadline);
      if (decision !== CLAIM_AGAIN) return decision;
    }
    throw new InProgressError(identity.id, lastSeen?.inProgressUntil);
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
