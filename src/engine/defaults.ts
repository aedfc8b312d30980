import type { CompressionPreference } from './store.js';

/** How long a completed result is replayed: one hour. */
export const DEFAULT_TTL_SECONDS = 3600;
/** The longest a durable execution can run (366 days): its claim must not lapse while it still can. */
export const DEFAULT_DURABLE_EXECUTION_TIMEOUT_SECONDS = 31_622_400;
/** Lambda's longest timeout: a claim made without a context outlives any invocation. */
export const DEFAULT_IN_PROGRESS_TIMEOUT_MS = 900_000;
/**
 * The shortest claim, for a context reporting almost no time left (or a negative time): long enough
 * for the claim's own write to land before it lapses. With the skew margin, others wait 1 s + skew.
 */
export const MIN_CLAIM_MS = 1000;
/** NTP keeps Lambda hosts within milliseconds; 3 s covers a clock that is a couple of seconds off. */
export const DEFAULT_CLOCK_SKEW_MS = 3000;
/** The local cache's size when it is simply switched on. */
export const DEFAULT_CACHE_ENTRIES = 256;
/**
 * For a store that states no preference: results above 1 KB, compressed at the fastest quality. No
 * store's billing is assumed: small results are left as they are, large ones shrink cheaply. Each
 * store states its own (`IdempotencyStore.compression`), and the `compressAboveBytes` option wins.
 */
export const DEFAULT_COMPRESSION: CompressionPreference = { aboveBytes: 1024, favour: 'speed' };
/** The first pause of a duplicate waiting for an in-progress owner. */
export const DEFAULT_WAIT_INITIAL_DELAY_MS = 50;
/** The longest pause between two reads of a duplicate waiting for its owner. */
export const DEFAULT_WAIT_MAX_DELAY_MS = 1000;
/**
 * The longest one store request may take: an item request answers in milliseconds, and this still
 * leaves `DynamoDBStore`'s own transport a timed-out attempt and a retry.
 */
export const DEFAULT_STORE_TIMEOUT_MS = 5000;
/** Consecutive availability failures that open the circuit: one slow request is not an outage. */
export const DEFAULT_CIRCUIT_FAILURE_THRESHOLD = 3;
/** How long an open circuit spares the store before one request probes it. */
export const DEFAULT_CIRCUIT_OPEN_MS = 5000;
