import { IdempotencyConfigError } from '../../errors.js';
import type { AwsCredentials, AwsCredentialsProvider } from './credentials.js';

/** Settings of the store's own transport; every one optional. */
export interface DynamoDBTransportOptions {
  /**
   * The endpoint URL. Default: `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL`, else the
   * Region's DynamoDB endpoint (with `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`), as the
   * AWS SDK resolves it; so the same code reaches dynalite, DynamoDB Local or AWS.
   */
  readonly endpoint?: string;
  /** The Region. Default `AWS_REGION` (Lambda sets it), else `AWS_DEFAULT_REGION`. */
  readonly region?: string;
  /**
   * Credentials, or a function returning them (such as `fromTemporaryCredentials()` of
   * `@aws-sdk/credential-providers`). Default: the function's execution role from the
   * environment, else the container credentials endpoint, else the AWS SDK's default provider
   * chain (profiles, SSO), imported only then.
   */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
  /** Attempts per request, the first included, as the AWS SDK's `maxAttempts`. Default 3. */
  readonly maxAttempts?: number;
  /** Longest wait for a new connection (TCP and TLS), in milliseconds. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for one attempt's answer, in milliseconds; it is then retried. Default 3000. */
  readonly requestTimeoutMs?: number;
  /** Base of the exponential backoff between attempts, in milliseconds (five times it after throttling). Default 100. */
  readonly retryBaseDelayMs?: number;
}

/** Opening a connection (TCP and TLS) takes milliseconds in a Region; a second means it is not coming. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
/** One item request answers in milliseconds; an attempt unanswered after this is abandoned and retried. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
/** Fails at setup, naming the option that is unusable. */
export function validateTransportOptions(options: DynamoDBTransportOptions): void {
  const number = (name: keyof DynamoDBTransportOptions, min: number, integer: boolean) => {
    const value = options[name];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      throw new IdempotencyConfigError(
        `DynamoDBStore option "${name}" must be ${integer ? 'an integer' : 'a finite number'} of at least ${min}, got ${String(value)}.`,
      );
    }
  };
  number('maxAttempts', 1, true);
  number('connectTimeoutMs', 1, false);
  number('requestTimeoutMs', 1, false);
  number('retryBaseDelayMs', 0, false);
  for (const name of ['endpoint', 'region'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new IdempotencyConfigError(`DynamoDBStore option "${name}" must be a non-empty string.`);
    }
  }
  const { credentials } = options;
  if (
    credentials !== undefined &&
    typeof credentials !== 'function' &&
    (credentials === null ||
      typeof credentials !== 'object' ||
      typeof credentials.accessKeyId !== 'string' ||
      typeof credentials.secretAccessKey !== 'string')
  ) {
    throw new IdempotencyConfigError(
      'DynamoDBStore option "credentials" must be { accessKeyId, secretAccessKey, sessionToken? } or a function returning them.',
    );
  }
}
