import type { IdempotencyOptions } from '../engine/options.js';
import { IdempotencyConfigError } from '../errors.js';
import { DEFAULT_AUTHORIZER_CONTEXT_KEYS } from './caller.js';
import type { HttpEvent, HttpRequestView } from './http-event.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key-header.js';

/** Options of {@link httpIdempotency}: the shared options, minus the key, which is the header. */
export interface HttpIdempotencyOptions extends Omit<IdempotencyOptions<HttpEvent>, 'key' | 'payload' | 'requireKey'> {
  /** Methods that use idempotency keys. Default `['POST', 'PATCH']`; every other method passes through. */
  readonly methods?: readonly string[];
  /** Answer 400 when one of `methods` comes without a key (default `true`); `false` lets it run unprotected. */
  readonly requireKey?: boolean;
  /**
   * Which requests share the namespace of their `Idempotency-Key`: any JSON value, hashed into the
   * record id beside the key. The same key in two namespaces is two records. Default
   * {@link defaultKeyNamespace}: method, route and caller, so the same key sent by two callers, or
   * to two routes, never shares a response.
   */
  readonly keyNamespace?: (request: HttpRequestView) => unknown;
  /**
   * The entries of a Lambda authorizer's `context` that identify the caller: read from
   * `requestContext.authorizer.lambda` (HTTP API) or beside the principal in
   * `requestContext.authorizer` (REST API, whose `principalId` always counts). Only these enter the
   * caller, so a value the authorizer sets per request (a timestamp, a request id) does not give a
   * retry a namespace of its own. Default `['principalId']`; `[]` when no entry identifies the caller.
   */
  readonly authorizerContextKeys?: readonly string[];
  /** Header names (any case) that must match on a retry, beside path, query and body. Default none. */
  readonly fingerprintHeaders?: readonly string[];
  /**
   * Responses with these status codes are not stored: the claim is released and a retry runs again.
   * Default: 5xx, 408, 425 and 429 ({@link isRetryableStatus}). A status sent as digits (`'500'`) counts as its number.
   */
  readonly releaseStatus?: (statusCode: number) => boolean;
  /** The `Retry-After` seconds sent with a 409 while the first request is still running. Default 1. */
  readonly retryAfterSeconds?: number;
  /**
   * The longest `Idempotency-Key` accepted, in characters; a longer one is answered 400 with the
   * problem type `…:idempotency-key-malformed` and runs nothing. Default 255, Stripe's bound.
   */
  readonly maxKeyLength?: number;
}

const DEFAULT_METHODS = ['POST', 'PATCH'];

/** The default `keyNamespace`: method, route and caller. */
export function defaultKeyNamespace(request: HttpRequestView): unknown {
  return { method: request.method, route: request.route, caller: request.caller ?? null };
}

/**
 * Statuses a retry may turn out differently for: server errors, and the three client statuses that
 * mean "not now" rather than "not this": 408 Request Timeout, 425 Too Early, 429 Too Many Requests.
 */
const TRANSIENT_CLIENT_STATUSES = new Set([408, 425, 429]);

/** The default of `releaseStatus`: 5xx, 408, 425 and 429 release the key; everything else is stored. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode >= 500 || TRANSIENT_CLIENT_STATUSES.has(statusCode);
}

/** The options with every default filled in; fails at setup naming the option that is unusable. */
export function validateHttpOptions(options: HttpIdempotencyOptions) {
  if (options === null || typeof options !== 'object')
    throw new IdempotencyConfigError('httpIdempotency options must be an object.');
  const legacyScope = (options as { scope?: unknown }).scope;
  if (legacyScope !== undefined) {
    throw new IdempotencyConfigError('httpIdempotency option "scope" is now called "keyNamespace" (the same function).');
  }
  const methods = options.methods ?? DEFAULT_METHODS;
  if (!Array.isArray(methods) || methods.some((method) => typeof method !== 'string' || method === '')) {
    throw new IdempotencyConfigError('Option "methods" must be an array of HTTP method names such as ["POST", "PATCH"].');
  }
  for (const name of ['keyNamespace', 'releaseStatus'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new IdempotencyConfigError(`Option "${name}" must be a function.`);
    }
  }
  const authorizerContextKeys = options.authorizerContextKeys ?? DEFAULT_AUTHORIZER_CONTEXT_KEYS;
  if (!Array.isArray(authorizerContextKeys) || authorizerContextKeys.some((key) => typeof key !== 'string' || key === '')) {
    throw new IdempotencyConfigError(
      'Option "authorizerContextKeys" must be an array of the Lambda authorizer context entries that identify the caller, such as ["principalId"], or [].',
    );
  }
  const headers = options.fingerprintHeaders ?? [];
  if (!Array.isArray(headers) || headers.some((name) => typeof name !== 'string' || name === '')) {
    throw new IdempotencyConfigError('Option "fingerprintHeaders" must be an array of header names.');
  }
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new IdempotencyConfigError(
      `Option "retryAfterSeconds" must be a whole number of seconds, got ${String(retryAfterSeconds)}.`,
    );
  }
  const maxKeyLength = options.maxKeyLength ?? MAX_IDEMPOTENCY_KEY_LENGTH;
  if (!Number.isInteger(maxKeyLength) || maxKeyLength < 1) {
    throw new IdempotencyConfigError(
      `Option "maxKeyLength" must be a whole number of characters, at least 1, got ${String(maxKeyLength)}.`,
    );
  }
  return {
    ...options,
    maxKeyLength,
    methods: new Set(methods.map((method) => method.toUpperCase())),
    requireKey: options.requireKey ?? true,
    keyNamespace: options.keyNamespace ?? defaultKeyNamespace,
    authorizerContextKeys: [...authorizerContextKeys],
    fingerprintHeaders: headers.map((name) => name.toLowerCase()),
    releaseStatus: options.releaseStatus ?? isRetryableStatus,
    retryAfterSeconds,
  };
}
