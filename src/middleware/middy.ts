import type { Context } from 'aws-lambda';
import { type Attempt, createIdempotencyEngine } from '../engine/idempotency-engine.js';
import type { IdempotencyOptions } from '../engine/options.js';
import { remainingTimeOf, scopeOf } from '../lambda/context.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';

/**
 * The request object Middy 6 and 7 pass to middlewares, reduced to what this middleware reads,
 * so the library does not depend on one Middy major's type declarations.
 */
export interface MiddyRequestLike<TEvent, TResult> {
  event: TEvent;
  context: Context;
  response: TResult | null | undefined;
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
  before: (request: MiddyRequestLike<TEvent, TResult>) => Promise<TResult | undefined>;
  after: (request: MiddyRequestLike<TEvent, TResult>) => Promise<void>;
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

  return {
    async before(request) {
      const begun = await engine.begin({
        input: request.event,
        scope: scopeOf(request.context),
        remainingTimeMs: remainingTimeOf(request.context),
      });
      if (begun.kind === 'claimed') attempts.set(request, begun.attempt);
      if (begun.kind !== 'replay') return undefined;
      const replayed = begun.value as TResult;
      request.earlyResponse = replayed;
      return replayed;
    },
    async after(request) {
      const attempt = attempts.get(request);
      if (attempt === undefined) return;
      attempts.delete(request);
      const response = request.response as TResult;
      if (options.releaseWhen?.(response)) await attempt.fail();
      else await attempt.complete(response);
    },
    async onError(request) {
      const attempt = attempts.get(request);
      if (attempt === undefined) return;
      attempts.delete(request);
      await attempt.fail();
    },
  };
}
