/**
 * When to try a request again and how long to wait first: the AWS SDK's standard retry mode.
 * Throttling, server errors (500, 502, 503, 504), timeouts and broken connections are retried,
 * with capped exponential backoff and full jitter; a clock-skew error is retried at once once
 * the clock offset was corrected. Everything else (a failed condition, a validation error, a
 * missing table, access denied) fails at once.
 */
export type RetryKind = 'throttling' | 'transient' | 'clock-skew';

/** The SDK's standard mode: three attempts, the first included. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** The SDK's base delays: 100 ms, 500 ms after throttling; no delay grows past 20 s. */
export const DEFAULT_BASE_DELAY_MS = 100;
const THROTTLING_DELAY_FACTOR = 5;
const MAX_DELAY_MS = 20_000;

const THROTTLING_CODES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
  'EC2ThrottledException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** Node's errors for a connection that broke, was refused, or timed out at the socket. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** The codes the AWS SDK corrects its clock after (a request signed too far from the server's time). */
export const CLOCK_SKEW_CODES = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/** What went wrong, as far as retrying is concerned. */
export interface FailureFacts {
  readonly name: string;
  readonly statusCode?: number;
  /** Node's socket error code, for a request that got no answer. */
  readonly code?: string;
  /** True when this failure moved the clock offset (then signing again can succeed). */
  readonly clockCorrected?: boolean;
}

export function retryKindOf(failure: FailureFacts): RetryKind | undefined {
  if (failure.clockCorrected && CLOCK_SKEW_CODES.has(failure.name)) return 'clock-skew';
  if (THROTTLING_CODES.has(failure.name) || failure.statusCode === 429) return 'throttling';
  if (TRANSIENT_CODES.has(failure.name) || (failure.statusCode !== undefined && TRANSIENT_STATUS.has(failure.statusCode))) {
    return 'transient';
  }
  if (failure.code !== undefined && NETWORK_CODES.has(failure.code)) return 'transient';
  return undefined;
}

/**
 * The pause before retry number `retry` (0 for the first retry): a uniformly random share of
 * `base × 2^retry`, capped at 20 s (full jitter, so that many clients throttled together spread out).
 */
export function backoffMs(kind: RetryKind, retry: number, baseDelayMs: number, random: () => number = Math.random): number {
  if (kind === 'clock-skew') return 0;
  const base = kind === 'throttling' ? baseDelayMs * THROTTLING_DELAY_FACTOR : baseDelayMs;
  return Math.floor(random() * Math.min(MAX_DELAY_MS, base * 2 ** retry));
}
