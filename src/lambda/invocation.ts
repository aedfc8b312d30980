import { AsyncLocalStorage } from 'node:async_hooks';
import { type LambdaContextLike, remainingTimeOf } from './context.js';

/**
 * The Lambda invocation the current code runs in, so an inner `makeIdempotent` called without a
 * context claims for its invocation's remaining time instead of `inProgressTimeoutMs`.
 *
 * `makeIdempotent` given a context and `idempotentBatch` run the handler inside an
 * AsyncLocalStorage scope: exact, also with concurrent invocations in one process. A Middy
 * `before` cannot wrap the handler it precedes (and `enterWith` there would leak into the caller),
 * so the middlewares register their invocation while its handler runs; an inner call outside any
 * scope takes the registered invocation with the most time left: its own when it is alone (as in
 * every standard Lambda), never less than its own when several overlap.
 */
const currentInvocation = new AsyncLocalStorage<LambdaContextLike>();
const runningInvocations = new Set<LambdaContextLike>();

/** Runs `fn` as part of the invocation `context` belongs to. */
export function runInInvocation<R>(context: LambdaContextLike | undefined, fn: () => R): R {
  return context === undefined ? fn() : currentInvocation.run(context, fn);
}

/** Registers an invocation whose handler is about to run (for the Middy middlewares). */
export function beginInvocation(context: LambdaContextLike | undefined): void {
  if (typeof context?.getRemainingTimeInMillis === 'function') runningInvocations.add(context);
}

/** Ends what {@link beginInvocation} registered. */
export function endInvocation(context: LambdaContextLike | undefined): void {
  if (context !== undefined) runningInvocations.delete(context);
}

/** The context given, else the invocation's; undefined outside any invocation. */
export function invocationContext(given?: LambdaContextLike): LambdaContextLike | undefined {
  return given ?? currentInvocation.getStore() ?? longestRunning();
}

function longestRunning(): LambdaContextLike | undefined {
  let longest: LambdaContextLike | undefined;
  let longestMs = 0;
  for (const context of runningInvocations) {
    const remaining = remainingTimeOf(context) ?? 0;
    // A registration whose `after` never ran (a later middleware returned early) ends with its deadline.
    if (remaining <= 0) runningInvocations.delete(context);
    else if (remaining > longestMs) {
      longest = context;
      longestMs = remaining;
    }
  }
  return longest;
}
