import { engineFromBegin } from './engine-from-begin.js';
import type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './idempotency-engine.js';
import type { IdempotencyLogger } from './warn.js';

/** What a `responseHook` learns about the replay it may adjust. */
export interface ReplayInfo {
  /** The id of the record replayed. */
  readonly recordId: string;
  /** True when the result came from this container's local cache, with no request. */
  readonly fromCache: boolean;
}

/**
 * Adjusts a replayed result before it is returned (add a header, mark it replayed). It must not
 * mutate the value in place: with the local cache on, the same object serves later replays.
 */
export type ResponseHook = (value: unknown, replay: ReplayInfo) => unknown;

/** A replay decision: what `applyResponseHook` adjusts. */
export type ReplayDecision = Extract<InvocationDecision, { kind: 'replay' }>;

/** Applies `hook` to every replay of `engine`; without a hook, the engine itself. */
export function withResponseHook<TInput>(
  engine: IdempotencyEngine<TInput>,
  hook: ResponseHook | undefined,
  logger: IdempotencyLogger,
): IdempotencyEngine<TInput> {
  if (hook === undefined) return engine;
  return engineFromBegin((request: InvocationRequest<TInput>) =>
    engine
      .begin(request)
      .then((decision) =>
        decision.kind === 'replay' ? { ...decision, value: applyResponseHook(decision, hook, logger) } : decision,
      ),
  );
}

/**
 * The replayed value after `hook`. A hook that throws is logged and the stored result is returned:
 * the hook decorates a replay, it must not turn one into a failure.
 */
export function applyResponseHook(replay: ReplayDecision, hook: ResponseHook | undefined, logger: IdempotencyLogger): unknown {
  if (hook === undefined) return replay.value;
  try {
    return hook(replay.value, { recordId: replay.recordId, fromCache: replay.fromCache });
  } catch (error) {
    try {
      logger.warn('A responseHook failed; the stored result was returned.', { name: 'ResponseHookError', cause: String(error) });
    } catch {
      // Nothing is left to tell; the replay stands.
    }
    return replay.value;
  }
}
