import { AsyncLocalStorage } from 'node:async_hooks';
import type { LambdaContextLike } from './context.js';

/**
 * The Lambda invocation the current code runs in, so an inner `makeIdempotent` called without a
 * context claims for its own invocation's remaining time instead of `inProgressTimeoutMs`.
 *
 * Exact also when one process serves several invocations at once (Lambda Managed Instances):
 * `makeIdempotent` given a context and `idempotentBatch` run the handler bound to its invocation, and
 * the Middy middlewares bind the continuation that calls the handler (src/middleware/invocation-binding.ts).
 * Outside every invocation there is nothing to ask: the caller falls back to its configured default.
 */
const currentInvocation = new AsyncLocalStorage<LambdaContextLike | undefined>();
// Node 20 and 22 track promises only once some AsyncLocalStorage is in use: until then every promise
// continuation shares one top-level resource, and the first `enterWith` would tag them all, callers
// included. Using it at load makes every promise created afterwards carry its own context.
currentInvocation.enterWith(undefined);

/** Runs `fn` as part of the invocation `context` belongs to. */
export function runInInvocation<R>(context: LambdaContextLike | undefined, fn: () => R): R {
  return context === undefined ? fn() : currentInvocation.run(context, fn);
}

/**
 * Makes the rest of the running continuation, and everything it starts, part of the invocation
 * `context` belongs to. Only for code that runs inside a continuation the invocation owns: called
 * from a caller's synchronous code it would also tag whatever that caller does next.
 */
export function enterInvocation(context: LambdaContextLike): void {
  if (currentInvocation.getStore() !== context) currentInvocation.enterWith(context);
}

/** The context given, else the invocation's; undefined outside any invocation. */
export function invocationContext(given?: LambdaContextLike): LambdaContextLike | undefined {
  return given ?? currentInvocation.getStore();
}
