import type { Context } from 'aws-lambda';
import { type Attempt, createIdempotencyEngine } from '../engine/idempotency-engine.js';
import type { IdempotencyOptions } from '../engine/options.js';
import { type LambdaContextLike, remainingTimeOf, scopeOf } from '../lambda/context.js';
import { durableExecutionOf, refuseDurableInvocationInput } from '../lambda/durable.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import { endScopedReads, scopeReadsToInvocation } from './invocation-scope.js';

/**
 * The request object Middy 6 and 7 pass to middlewares, reduced to what this middleware reads,
 * so the library does not depend on one Middy major's type declarations.
 */
export interface MiddyRequestLike<TEvent, TResult> {
  /** The Lambda event. */
  event: TEvent;
  /** The Lambda context: its remaining time bounds the claim. */
  context: Context;
  /** The handler's response, as the middlewares after this one left it. */
  response: TResult | null | undefined;
  /** The error the handler or a middleware threw, in `onError`. */
  error: unknown;
  /** Middy ≥ 6 ends the before phase when this property exists, even holding `undefined`. */
  earlyResponse?: TResult | null | undefined;
}

/** Options of the {@link idempotency} middleware: the shared options plus what only a middleware decides. */
export interface IdempotencyMiddlewareOptions<TEvent, TResult = unknown> extends IdempotencyOptions<TEvent> {
  /**
   * Responses this accepts are returned but not stored: the claim is released, as if the handler
   * had thrown, so a retry runs the handler again (an HTTP 5xx, for example). Default: none.
   */
  readonly releaseWhen?: (response: TResult) => boolean;
}

/** A Middy middleware object: pass it to `middy(handler).use(...)`. */
export interface IdempotencyMiddleware<TEvent, TResult> {
  /** Claims the key, or answers a duplicate early with the stored response. */
  before: (request: MiddyRequestLike<TEvent, TResult>) => Promise<TResult | undefined>;
  /** Stores the final response under the claim. */
  after: (request: MiddyRequestLike<TEvent, TResult>) => Promise<void>;
  /** Releases the claim, when this invocation holds it, so a retry runs the handler again. */
  onError: (request: MiddyRequestLike<TEvent, TResult>) => Promise<void>;
}

/**
 * Middy middleware that runs the handler once per idempotency key and replays its stored result
 * to every duplicate.
 *
 * Ordering: `.use()` it first. Its `before` then runs first (a duplicate skips all other work)
 * and its `after` runs last, so the stored response is the final one other middlewares produced,
 * which is what a replay, skipping them all, must return. An `onError` middleware registered
 * after it (an error handler) still sees errors before the claim is released.
 *
 * Only the handler's own failure releases the claim. When the handler returned and a later
 * middleware's `after` throws, the record completes with the handler's response (what a retry then
 * receives) and the invocation fails with that error. When Middy's `timeoutEarly` fails the
 * invocation while the handler still runs, the claim stays until it lapses with the invocation.
 * Inner `makeIdempotent` calls made by the handler without a context claim for this invocation's
 * remaining time, also when one process runs several invocations at once (Lambda Managed Instances).
 *
 * In a durable function (Middy 7's `executionModeDurableContext`, or a Middy handler passed to
 * `withDurableExecution`) the claim is the execution's: held again by each replay and stored once,
 * when the execution completes (see docs/durable-functions.md).
 *
 * @example
 * export const handler = middy(createOrder).use(idempotency({ store, key: 'orderId' }));
 */
export function idempotency(
  options: IdempotencyMiddlewareOptions<Record<string, unknown>>,
): IdempotencyMiddleware<Record<string, unknown>, unknown>;
/** With the event type named (`idempotency<OrderEvent>(...)`) or inferred from an annotated selector. */
export function idempotency<TEvent, TResult = unknown>(
  options: IdempotencyMiddlewareOptions<TEvent, TResult>,
): IdempotencyMiddleware<TEvent, TResult>;
export function idempotency<TEvent, TResult>(
  options: IdempotencyMiddlewareOptions<TEvent, TResult>,
): IdempotencyMiddleware<TEvent, TResult> {
  const middleware = createIdempotencyMiddleware(options);
  registerDefaultScope('handler', 'the idempotency middleware', options);
  return middleware;
}

/** The middleware without the scope registration, for adapters built on it that register their own. */
export function createIdempotencyMiddleware<TEvent, TResult>(
  options: IdempotencyMiddlewareOptions<TEvent, TResult>,
): IdempotencyMiddleware<TEvent, TResult> {
  const engine = createIdempotencyEngine(options);
  // Keyed by Middy's request object: one claim per invocation, and only the one this middleware made.
  const attempts = new WeakMap<object, Attempt>();
  const handlerResults = new WeakMap<object, HandlerResult<TResult>>();

  return {
    async before(request) {
      refuseDurableInvocationInput(request.event, 'The idempotency middleware', DURABLE_ORDER);
      const durable = durableExecutionOf(request.context);
      const context: LambdaContextLike = durable?.lambdaContext ?? request.context;
      const begun = await engine.begin({
        input: request.event,
        scope: scopeOf(context),
        remainingTimeMs: remainingTimeOf(context),
        durableExecutionId: durable?.executionArn,
      });
      if (begun.kind === 'claimed') {
        attempts.set(request, begun.attempt);
        handlerResults.set(request, watchHandlerResult(request));
      }
      if (begun.kind !== 'replay') {
        // Inner makeIdempotent calls without a context find this invocation's remaining time.
        scopeReadsToInvocation(request, context);
        return undefined;
      }
      const replayed = begun.value as TResult;
      request.earlyResponse = replayed;
      return replayed;
    },
    async after(request) {
      endScopedReads(request);
      const attempt = attempts.get(request);
      if (attempt === undefined) return;
      attempts.delete(request);
      const response = request.response as TResult;
      if (options.releaseWhen?.(response)) await attempt.fail();
      else await attempt.complete(response);
    },
    async onError(request) {
      endScopedReads(request);
      const attempt = attempts.get(request);
      if (attempt === undefined) return;
      attempts.delete(request);
      const handler = handlerResults.get(request);
      // The handler returned and a later middleware's `after` threw: its side effects exist, so the
      // record completes with the handler's own response, which a retry then receives.
      if (handler?.returned) {
        if (options.releaseWhen?.(handler.value)) await attempt.fail();
        else await completeQuietly(attempt, handler.value);
        return;
      }
      // Middy's timeoutEarly failed the invocation while the handler may still run: the claim stays
      // until it lapses with the invocation, so no retry runs the handler beside it.
      if (isMiddyTimeout(request.error)) {
        attempt.abandon(request.error);
        return;
      }
      await attempt.fail();
    },
  };
}

const DURABLE_ORDER =
  'Use Middy 7 with executionMode: executionModeDurableContext (from "@middy/core/DurableContext"), ' +
  'or withDurableExecution(middy(handler).use(idempotency(options))), so the middleware sees the DurableContext.';

/**
 * Scopes the handler Middy calls next to this invocation, so code it runs without the context (an
 * inner `makeIdempotent`) finds this invocation's deadline, also with others running beside it.
 * Call it after an `await`: see {@link scopeReadsToInvocation}.
 */
export function scopeToInvocation<TEvent, TResult>(request: MiddyRequestLike<TEvent, TResult>): void {
  const context: unknown = request.context;
  if (context !== null && typeof context === 'object') scopeReadsToInvocation(request, context);
}

/** Whether the handler returned, and what, observed on Middy's request object. */
interface HandlerResult<TResult> {
  readonly returned: boolean;
  readonly value: TResult;
}

/**
 * Watches `request.response`: Middy assigns the handler's result to it, then, when any later step
 * throws, resets it to undefined before `onError`. A handler that threw leaves only that reset; one
 * that returned assigned its result first. Observed this way, a handler returning `undefined` counts.
 */
function watchHandlerResult<TEvent, TResult>(request: MiddyRequestLike<TEvent, TResult>): HandlerResult<TResult> {
  let current = request.response;
  let assignments = 0;
  let first: TResult | null | undefined;
  Object.defineProperty(request, 'response', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set(value: TResult | null | undefined) {
      if (assignments === 0) first = value;
      assignments++;
      current = value;
    },
  });
  return {
    get returned() {
      return assignments >= 2;
    },
    get value() {
      return first as TResult;
    },
  };
}

/** The error Middy's `timeoutEarly` throws by default (Middy 6 and 7). */
function isMiddyTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    (error.cause as { package?: unknown } | undefined)?.package === '@middy/core'
  );
}

/** Completes with the handler's response; an unstorable one is already recorded as an error marker. */
async function completeQuietly(attempt: Attempt, value: unknown): Promise<void> {
  try {
    await attempt.complete(value);
  } catch {
    // The invocation fails with the later middleware's error either way; duplicates get the marker.
  }
}
