import { isIdempotencyDisabled } from '../engine/kill-switch.js';
import type { IdempotencyLogger } from '../engine/warn.js';
import { UnsupportedEventError } from '../errors.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import {
  bindHandlerToInvocation,
  createIdempotencyMiddleware,
  type IdempotencyMiddleware,
  type MiddyRequestLike,
} from '../middleware/middy.js';
import { callerOf, hasUnnamedAuthorizerContext } from './caller.js';
import { fingerprintMaterial } from './fingerprint.js';
import {
  describeHttpRequest,
  type HttpEvent,
  type HttpRequestView,
  type HttpResponse,
  type ParsedHttpRequest,
} from './http-event.js';
import { type HttpIdempotencyOptions, validateHttpOptions } from './http-options.js';
import { IDEMPOTENCY_KEY_HEADER, readIdempotencyKey } from './idempotency-key-header.js';
import { HttpProblemType, type Problem, problemResponse, refusalProblem } from './problem.js';
import { markReplayed, statusSentToClient } from './replay.js';

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
    keyNamespace,
    authorizerContextKeys,
    fingerprintHeaders,
    releaseStatus,
    retryAfterSeconds,
    maxKeyLength,
    ...shared
  } = validateHttpOptions(options);
  const logger = options.logger ?? console;
  let toldUnnamedContext = false;
  // The core's selectors receive only the event: this hands them the request read from it, once.
  const keyed = new WeakMap<object, { readonly request: HttpRequestView; readonly key: string }>();
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
      // `scope` is the material's field name since the first release: renaming it would change every record id.
      return { key, scope: keyNamespace(request) };
    },
    payload: (event) => fingerprintMaterial(keyedRequest(event).request, fingerprintHeaders),
    releaseWhen: (response) => releaseStatus(statusSentToClient(response)),
  });
  registerDefaultScope('http', 'httpIdempotency', options);

  function answer(request: MiddyRequestLike<TEvent, TResult>, view: ParsedHttpRequest, problem: Problem): TResult {
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
        const problem = refusalProblem(error, retryAfterSeconds);
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
  // Binding starts after an await, so no read of the request in the caller's own code is bound.
  await undefined;
  bindHandlerToInvocation(request);
  return undefined;
}

/** Says once per instance that a Lambda authorizer's context names no caller under `keys`. */
function warnUnnamedContext(logger: IdempotencyLogger, keys: readonly string[]): void {
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
