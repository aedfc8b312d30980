import type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './idempotency-engine.js';

/**
 * `begin`, then, under a claim, the handler once and `complete` or `release`. Shared by the engine
 * and every wrapper of its `begin` (kill switch, response hook, outcomes), so all finish alike.
 */
export async function beginThenRun<TInput, R>(
  begin: (request: InvocationRequest<TInput>) => Promise<InvocationDecision>,
  request: InvocationRequest<TInput>,
  handler: () => Promise<R>,
): Promise<R> {
  const decision = await begin(request);
  // A replay is the stored form of an earlier R; the serializer is trusted to round-trip it.
  if (decision.kind === 'replay') return decision.value as R;
  // Without a claim (no key, or the store unavailable while failing open) there is nothing to finish.
  if (decision.kind === 'unkeyed' || decision.kind === 'store-unavailable') return handler();
  let value: R;
  try {
    value = await handler();
  } catch (error) {
    await decision.claim.release();
    throw error;
  }
  await decision.claim.complete(value);
  return value;
}

/** The engine a `begin` makes: its `run` goes through that `begin` (the engine's, or a wrapper's). */
export function engineFromBegin<TInput>(
  begin: (request: InvocationRequest<TInput>) => Promise<InvocationDecision>,
): IdempotencyEngine<TInput> {
  return { begin, run: (request, handler) => beginThenRun(begin, request, handler) };
}
