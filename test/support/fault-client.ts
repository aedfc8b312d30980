import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

export interface FaultClientOptions {
  /** Attempts per command, the first included. Default 3, as the SDK's own default. */
  readonly maxAttempts?: number;
  /** A request unanswered for this long fails with TimeoutError and is retried. Default 250 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 5 ms: the tests exercise retries, not backoff. */
  readonly retryDelayMs?: number;
}

/**
 * An SDK client with a short request timeout and fast retries, for pointing at the fault proxy.
 * The SDK's standard strategy backs off 500 ms and more after throttling and spends a retry quota
 * that a fault storm drains; this one retries every retryable error the same way, quickly.
 */
export function faultClient(endpoint: string, options: FaultClientOptions = {}): DynamoDBClient {
  const timeoutMs = options.timeoutMs ?? 250;
  const maxAttempts = options.maxAttempts ?? 3;
  return new DynamoDBClient({
    endpoint,
    maxAttempts,
    retryStrategy: quickRetries(maxAttempts, options.retryDelayMs ?? 5),
    requestHandler: new NodeHttpHandler({ requestTimeout: timeoutMs, connectionTimeout: timeoutMs, throwOnRequestTimeout: true }),
  });
}

/** Retries throttling, server and transient errors (timeouts, resets) up to `maxAttempts`. */
export function quickRetries(maxAttempts: number, delayMs: number): RetryStrategyV2 {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => delayMs });
  return {
    acquireInitialRetryToken: async () => token(0),
    async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo) {
      const next = previous.getRetryCount() + 1;
      if (info.errorType === 'CLIENT_ERROR' || next >= maxAttempts) throw info.error ?? new Error('no more retries');
      return token(next);
    },
    recordSuccess: () => undefined,
  };
}
