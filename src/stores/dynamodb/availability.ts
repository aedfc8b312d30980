import { retryKindOf } from './retry.js';

/** What either transport's error tells of the failure: the lean transport's fields, or the AWS SDK's `$metadata`. */
interface FailedRequest {
  readonly name?: unknown;
  readonly statusCode?: number;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether a request failed for want of DynamoDB (throttling that outlasted the retries, a server
 * error, a timeout, a connection refused or broken) rather than for a refusal that waiting does not
 * heal (access denied, a missing table, a validation error, a signature the corrected clock did not
 * fix). The first kind is what an outage looks like: it may fail open, and it counts towards the
 * circuit. Reads the lean transport's errors and the AWS SDK's alike.
 */
export function isUnavailability(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const failed = error as FailedRequest;
  const statusCode = failed.statusCode ?? failed.$metadata?.httpStatusCode;
  const kind = retryKindOf({ name: String(failed.name), statusCode, code: failed.code });
  return kind === 'throttling' || kind === 'transient' || (statusCode !== undefined && statusCode >= 500);
}
