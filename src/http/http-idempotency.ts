import type { IdempotencyOptions, WarningLogger } from '../engine/options.js';
import { IdempotencyConfigError, InProgressError, PayloadMismatchError, UnsupportedEventError } from '../errors.js';
import { isIdempotencyDisabled } from '../lambda/kill-switch.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import {
  createIdempotencyMiddleware,
  type IdempotencyMiddleware,
  type MiddyRequestLike,
  scopeToInvocation,
} from '../middleware/middy.js';
import { type CallerIdentity, callerOf, DEFAULT_AUTHORIZER_CONTEXT_KEYS, hasUnnamedAuthorizerContext } from './caller.js';
import { fingerprintMaterial } from './fingerprint.js';
import { describeHttpRequest, type HttpEvent, type HttpRequestView, type HttpResponse } from './http-event.js';
import { IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, readIdempotencyKey } from './idempotency-key-header.js';
import { HttpProblemType, type Problem, problemResponse } from './problem.js';
import { markReplayed, statusOf } from './replay.js';

/** A request as the scope hook sees it: the HTTP request and who sent it. */
export interface HttpScopeRequest extends HttpRequestView {
  /** The caller the event source vouches for; undefined for anonymous requests. */
  readonly caller: CallerIdentity | undefined;
}

/** Options of {@link httpIdempotency}: the shared options, minus the key, which is the header. */
export interface HttpIdempotencyOptions extends Omit<IdempotencyOptions<HttpEvent>, 'key' | 'payload' | 'requireKey'> {
  /** Methods that use idempotency keys. Default `['POST', 'PATCH']`; every other method passes through. */
  readonly methods?: readonly string[];
  /** Answer 400 when one of `methods` comes without a key (default `true`); `false` lets it run unprotected. */
  readonly requireKey?: boolean;
  /**
   * Which records a key lives in, beside the function: any JSON value. Default: method, route and
   * caller, so the same key sent by two callers, or to two routes, never shares a response.
   */
  readonly scope?: (request: HttpScopeRequest) => unknown;
  /**
   * The entries of a Lambda authorizer's `context` that identify the caller: read from
   * `requestContext.authorizer.lambda` (HTTP API) or beside the principal in
   * `requestContext.authorizer` (REST API, whose `principalId` always counts). Only these enter the
   * caller, so a value the authorizer sets per request (a timestamp, a request id) does not give a
   * retry a scope of its own. Default `['principalId']`; `[]` when no entry identifies the caller.
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

/** The default scope: method, route and caller. */
export function defaultHttpScope(request: HttpScopeRequest): unknown {
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

/**
 * Middy middleware giving an HTTP endpoint Idempotency-Key semantics (IETF draft, as Stripe does):
 * the first POST or PATCH with a key runs, its response (2xx or 4xx) is stored, and every retry
 * receives that response again with `Idempotent-Replayed: true`. A missing or malformed key (also
 * one longer than `maxKeyLength`, 255 by default) is a 400, a key reused for another request a 422, a key still in progress a 409 with `Retry-After`,
 * each as `application/problem+json`. 5xx, 408, 425 and 429 responses and thrown errors release the key.
 *
 * Works with API Gateway REST (v1) and HTTP (v2) APIs, Lambda Function URLs and ALB.
 *
 * Ordering rule: register it after every middleware that can answer early in `before` (an
 * authorizer's 401, a validator's 400). Middy skips every `after` and `onError` after an early
 * answer, so one given by a middleware registered later is seen only on the request object: the
 * claim's release is started then but not awaited, and if Lambda freezes the environment first the
 * key stays in progress (retries get 409) until the release lands or the claim lapses. A body
 * parser may run before or after it: a parsed body fingerprints as its JSON text does. See
 * docs/http.md. What is stored, whatever the other middlewares do, is as for `idempotency()`.
 *
 * @example
 * export const handler = middy(createPayment).use(httpIdempotency({ store }));
 */
export function httpIdempotency<TEvent extends HttpEvent = HttpEvent, TResult extends HttpResponse = HttpResponse>(
  options: HttpIdempotencyOptions,
): IdempotencyMiddleware<TEvent, TResult> {
  const {
    methods,
    requireKey,
    scope,
    authorizerContextKeys,
    fingerprintHeaders,
    releaseStatus,
    retryAfterSeconds,
    maxKeyLength,
    ...shared
  } = validate(options);
  const logger = options.logger ?? console;
  let toldUnnamedContext = false;
  // The core's selectors receive only the event: this hands them the request read from it, once.
  const keyed = new WeakMap<object, { readonly request: HttpScopeRequest; readonly key: string }>();
  const keyedRequest = (event: object) => {
    const found = keyed.get(event);
    // The core reads the key of the event `before` has just registered; anything else is a bug.
    if (found === undefined) throw new UnsupportedEventError('httpIdempotency: the event was replaced before its key was read.');
    return found;
  };
  const core = createIdempotencyMiddleware<TEvent, TResult>({
    ...shared,
    requireKey: true,
    key: (event) => {
      const { request, key } = keyedRequest(event);
      return { key, scope: scope(request) };
    },
    payload: (event) => fingerprintMaterial(keyedRequest(event).request, fingerprintHeaders),
    releaseWhen: (response) => releaseStatus(statusOf(response)),
  });
  registerDefaultScope('http', 'httpIdempotency', options);

  function answer(request: MiddyRequestLike<TEvent, TResult>, view: HttpRequestView, problem: Problem): TResult {
    const response = problemResponse(view, problem) as TResult;
    request.earlyResponse = response;
    return response;
  }

  // The kill switch lets traffic through unchanged: no 400 for a missing key, no problem responses.
  // The core, switched off too, runs the handler plainly and says so once per container.
  if (isIdempotencyDisabled(options.disabled)) return core;

  return {
    async before(request) {
      const view = describeHttpRequest(request.event);
      if (view === undefined) {
        throw new UnsupportedEventError(
          'httpIdempotency received an event that is not an API Gateway (REST or HTTP API), Function URL or ALB request: it has no HTTP method.',
        );
      }
      if (!methods.has(view.method)) return passThrough(request);
      const reading = readIdempotencyKey(view.headers.get(IDEMPOTENCY_KEY_HEADER), maxKeyLength);
      if (reading.kind === 'missing') {
        if (!requireKey) return passThrough(request);
        return answer(request, view, {
          type: HttpProblemType.keyMissing,
          title: 'Idempotency-Key header missing',
          status: 400,
          detail: `${view.method} ${view.path} requires an Idempotency-Key header, e.g. Idempotency-Key: "a unique id per operation".`,
        });
      }
      if (reading.kind === 'malformed') {
        return answer(request, view, {
          type: HttpProblemType.keyMalformed,
          title: 'Idempotency-Key header malformed',
          status: 400,
          detail: `The Idempotency-Key header is not valid: ${reading.reason}.`,
        });
      }
      if (!toldUnnamedContext && hasUnnamedAuthorizerContext(request.event, view.shape, authorizerContextKeys)) {
        toldUnnamedContext = true;
        warnUnnamedContext(logger, authorizerContextKeys);
      }
      keyed.set(request.event as object, {
        request: { ...view, caller: callerOf(request.event, view.shape, view.headers, authorizerContextKeys) },
        key: reading.key,
      });
      try {
        await core.before(request);
      } catch (error) {
        const problem = refusalOf(error, retryAfterSeconds);
        if (problem === undefined) throw error;
        return answer(request, view, problem);
      }
      if (!Object.hasOwn(request, 'earlyResponse')) return undefined;
      const replayed = markReplayed(request.earlyResponse, view) as TResult;
      request.earlyResponse = replayed;
      return replayed;
    },
    after: core.after,
    onError: core.onError,
  };
}

/** Runs the handler unprotected, still as its own invocation for inner `makeIdempotent` calls. */
async function passThrough<TEvent, TResult>(request: MiddyRequestLike<TEvent, TResult>): Promise<undefined> {
  // Scoping starts after an await, so no read of the request in the caller's own code is scoped.
  await undefined;
  scopeToInvocation(request);
  return undefined;
}

/** Says once per instance that a Lambda authorizer's context names no caller under `keys`. */
function warnUnnamedContext(logger: WarningLogger, keys: readonly string[]): void {
  try {
    logger.warn(
      `httpIdempotency: the Lambda authorizer's context has none of the entries ${JSON.stringify(keys)} (option ` +
        'authorizerContextKeys), so it tells no callers apart: requests with the same key from two callers of this ' +
        'authorizer share a record. Name the context entries that identify the caller, or [] to say none does.',
      { name: 'AuthorizerContextWithoutCaller' },
    );
  } catch {
    // A failing logger must not fail the request it was only meant to annotate.
  }
}

/** The client-facing answer to the engine refusing a request, or undefined for a real failure. */
function refusalOf(error: unknown, retryAfterSeconds: number): Problem | undefined {
  if (error instanceof PayloadMismatchError) {
    return {
      type: HttpProblemType.keyReused,
      title: 'Idempotency-Key reused',
      status: 422,
      detail: 'This Idempotency-Key was already used for a different request; use a new key for a new request.',
    };
  }
  if (error instanceof InProgressError) {
    return {
      type: HttpProblemType.inProgress,
      title: 'Request in progress',
      status: 409,
      detail: 'A request with this Idempotency-Key is still being processed; retry it later to receive its response.',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    };
  }
  return undefined;
}

function validate(options: HttpIdempotencyOptions) {
  if (options === null || typeof options !== 'object')
    throw new IdempotencyConfigError('httpIdempotency options must be an object.');
  const methods = options.methods ?? DEFAULT_METHODS;
  if (!Array.isArray(methods) || methods.some((method) => typeof method !== 'string' || method === '')) {
    throw new IdempotencyConfigError('Option "methods" must be an array of HTTP method names such as ["POST", "PATCH"].');
  }
  for (const name of ['scope', 'releaseStatus'] as const) {
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
    scope: options.scope ?? defaultHttpScope,
    authorizerContextKeys: [...authorizerContextKeys],
    fingerprintHeaders: headers.map((name) => name.toLowerCase()),
    releaseStatus: options.releaseStatus ?? isRetryableStatus,
    retryAfterSeconds,
  };
}
