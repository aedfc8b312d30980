import type { Context } from 'aws-lambda';
import type { Claim } from '../engine/claim.js';
import { createIdempotencyEngine } from '../engine/create-engine.js';
import type { IdempotencyOptions } from '../engine/options.js';
import { type LambdaContextLike, remainingTimeOf, scopeOf } from '../lambda/context.js';
import { durableExecutionOf, refuseDurableInvocationInput } from '../lambda/durable.js';
import { deliveryKeyOrInput } from '../lambda/event-sources/delivery-key.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';
import { type HandlerOutcome, type HandlerOutcomeWatch, watchHandlerOutcome } from './handler-outcome.js';
import { bindReadsToInvocation, unbindReads } from './invocation-binding.js';

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
 * which is what a replay, skipping them all, must return.
 *
 * The record only ever holds what the handler itself returned, whatever the other middlewares do
 * and wherever they are registered. It reads the handler's outcome off Middy's request (Middy
 * assigns the handler's value to `request.response` right after calling it, and resets it before
 * `request.error` when anything throws), so an error handler's response is never stored:
 * - the handler returned: the record completes with the final response; if a middleware's `after`
 *   registered after this one throws or answers early, with the handler's own response;
 * - the handler threw, or never ran (a middleware registered after this one threw or answered
 *   early in `before`): the claim is released, and a retry runs the handler;
 * - Middy's `timeoutEarly` failed the invocation (its default `TimeoutError`): the claim stays
 *   until it lapses with the invocation, since the handler may still be running.
 *
 * When Middy skips this middleware's `after` and `onError` (an early answer by a middleware
 * registered after it, or an error handler after it that returns its response or throws), the
 * write is started without being awaited: if Lambda freezes the environment first, it lands when
 * the environment next runs, or the claim lapses. A `timeoutEarlyResponse` that returns a value
 * looks exactly like the handler's return and is stored: keep Middy's throwing default. See
 * docs/usage.md for the full table.
 *
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
  // Without a `key`, an event that names its delivery (EventBridge, S3, SNS...) is keyed by that identity.
  const engine = createIdempotencyEngine<TEvent>({ ...options, key: options.key ?? deliveryKeyOrInput });
  // Keyed by Middy's request object: one claim per invocation, and only the one this middleware made.
  const held = new WeakMap<object, { readonly claim: Claim; readonly watch: HandlerOutcomeWatch }>();
  const finish = (claim: Claim, outcome: HandlerOutcome) => finishClaim(claim, outcome, options.releaseWhen);

  return {
    async before(request) {
      refuseDurableInvocationInput(request.event, 'The idempotency middleware', DURABLE_ORDER);
      const durable = durableExecutionOf(request.context);
      const context: LambdaContextLike = durable?.lambdaContext ?? request.context;
      const decision = await engine.begin({
        input: request.event,
        scope: scopeOf(context),
        remainingTimeMs: remainingTimeOf(context),
        durableExecutionId: durable?.executionArn,
      });
      if (decision.kind === 'replay') {
        const replayed = decision.value as TResult;
        request.earlyResponse = replayed;
        return replayed;
      }
      // Inner makeIdempotent calls without a context find this invocation's remaining time.
      bindReadsToInvocation(request, context);
      if (decision.kind === 'claimed') {
        const { claim } = decision;
        // Installed after the binding: the reads Middy makes to call the handler pass through both.
        held.set(request, { claim, watch: watchHandlerOutcome(request, (outcome) => finish(claim, outcome)) });
      }
      return undefined;
    },
    async after(request) {
      const claimed = held.get(request);
      held.delete(request);
      // The final response, as the middlewares after this one left it: what a replay, skipping them, must return.
      const finishing = claimed?.watch.finishAfter(() =>
        storeResponse(claimed.claim, request.response as TResult, options.releaseWhen),
      );
      unbindReads(request);
      await finishing;
    },
    async onError(request) {
      const claimed = held.get(request);
      held.delete(request);
      const finishing = claimed?.watch.finishOnError(request.error);
      unbindReads(request);
      await finishing;
    },
  };
}

/** Stores the response `after` sees, or releases the claim when `releaseWhen` accepts it. */
async function storeResponse<TResult>(
  claim: Claim,
  response: TResult,
  releaseWhen: ((response: TResult) => boolean) | undefined,
): Promise<void> {
  if (releaseWhen?.(response)) await claim.release();
  else await claim.complete(response);
}

/**
 * Finishes the claim for what became of the handler, when the invocation failed or a middleware
 * answered in this middleware's stead: its own result is stored, a failure releases the claim, and
 * a timeout (or an outcome two accounts fit) keeps it until it lapses with the invocation.
 */
async function finishClaim<TResult>(
  claim: Claim,
  outcome: HandlerOutcome,
  releaseWhen: ((response: TResult) => boolean) | undefined,
): Promise<void> {
  switch (outcome.kind) {
    case 'returned':
      // Its side effects exist: the record completes with the handler's own response, which a retry then receives.
      if (releaseWhen?.(outcome.value as TResult)) await claim.release();
      else await completeQuietly(claim, outcome.value);
      return;
    case 'failed':
      await claim.release();
      return;
    case 'timed-out':
      // Middy's timeoutEarly failed the invocation while the handler may still run: no retry runs beside it.
      claim.abandon(outcome.error);
      return;
    case 'unknown':
      claim.abandon();
      return;
  }
}

const DURABLE_ORDER =
  'Use Middy 7 with executionMode: executionModeDurableContext (from "@middy/core/DurableContext"), ' +
  'or withDurableExecution(middy(handler).use(idempotency(options))), so the middleware sees the DurableContext.';

/**
 * Binds the handler Middy calls next to this invocation, so code it runs without the context (an
 * inner `makeIdempotent`) finds this invocation's deadline, also with others running beside it.
 * Call it after an `await`: see {@link bindReadsToInvocation}.
 */
export function bindHandlerToInvocation<TEvent, TResult>(request: MiddyRequestLike<TEvent, TResult>): void {
  const context: unknown = request.context;
  if (context !== null && typeof context === 'object') bindReadsToInvocation(request, context);
}

/** Completes with the handler's response; an unstorable one is already recorded as an error marker. */
async function completeQuietly(claim: Claim, value: unknown): Promise<void> {
  try {
    await claim.complete(value);
  } catch {
    // The invocation ends with another middleware's error or response either way; duplicates get the marker.
  }
}
