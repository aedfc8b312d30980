import type { Begin, IdempotencyEngine, InvocationRequest } from './idempotency-engine.js';

/**
 * begin, then run the handler once if claimed and complete or fail the attempt. Shared by the
 * engine and any wrapper of its `begin` (the observability layer), so both settle the same way.
 */
export async function runOnce<TInput, R>(
  begin: (request: InvocationRequest<TInput>) => Promise<Begin>,
  request: InvocationRequest<TInput>,
  handler: () => Promise<R>,
): Promise<R> {
  const begun = await begin(request);
  // A replay is the stored form of an earlier R; the serializer is trusted to round-trip it.
  if (begun.kind === 'replay') return begun.value as R;
  if (begun.kind === 'unkeyed') return handler();
  let value: R;
  try {
    value = await handler();
  } catch (error) {
    await begun.attempt.fail();
    throw error;
  }
  await begun.attempt.complete(value);
  return value;
}

/** The engine a `begin` makes: its `run` goes through that `begin` (the engine's, or a wrapper's). */
export function engineOf<TInput>(begin: (request: InvocationRequest<TInput>) => Promise<Begin>): IdempotencyEngine<TInput> {
  return { begin, run: (request, handler) => runOnce(begin, request, handler) };
}
