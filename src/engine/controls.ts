import { announceDisabled, isIdempotencyDisabled } from '../lambda/kill-switch.js';
import { engineFromBegin } from './engine-from-begin.js';
import type { IdempotencyEngine, InvocationDecision, InvocationRequest } from './idempotency-engine.js';
import type { IdempotencyOptions } from './options.js';

const UNKEYED: InvocationDecision = { kind: 'unkeyed' };

/**
 * The kill switch around an engine: while it is on, every invocation runs unkeyed. Read once, at
 * setup: a Lambda function's environment is fixed for its container's life, and reading
 * process.env on every invocation was a measurable share of a cache hit.
 */
export function withKillSwitch<TInput>(
  engine: IdempotencyEngine<TInput>,
  options: IdempotencyOptions<TInput>,
): IdempotencyEngine<TInput> {
  if (!isIdempotencyDisabled(options.disabled)) return engine;
  const logger = options.logger ?? console;
  const begin = (_request: InvocationRequest<TInput>): Promise<InvocationDecision> => {
    announceDisabled(logger);
    return Promise.resolve(UNKEYED);
  };
  return engineFromBegin(begin);
}

/**
 * Applies `responseHook` to every replay. A hook that throws is logged and the stored result is
 * returned: the hook decorates a replay, it must not turn one into a failure.
 */
export function withResponseHook<TInput>(
  engine: IdempotencyEngine<TInput>,
  options: IdempotencyOptions<TInput>,
): IdempotencyEngine<TInput> {
  if (options.responseHook === undefined) return engine;
  const logger = options.logger ?? console;
  const begin = (request: InvocationRequest<TInput>): Promise<InvocationDecision> =>
    engine
      .begin(request)
      .then((begun) => (begun.kind === 'replay' ? { ...begun, value: applyResponseHook(begun, options, logger) } : begun));
  return engineFromBegin(begin);
}

/** The replayed value after `options.responseHook`; the stored one when the hook throws. */
export function applyResponseHook(
  replay: Extract<InvocationDecision, { kind: 'replay' }>,
  options: Pick<IdempotencyOptions<unknown>, 'responseHook'>,
  logger: NonNullable<IdempotencyOptions<unknown>['logger']>,
): unknown {
  if (options.responseHook === undefined) return replay.value;
  try {
    return options.responseHook(replay.value, { recordId: replay.recordId, fromCache: replay.fromCache });
  } catch (error) {
    try {
      logger.warn('A responseHook failed; the stored result was returned.', { name: 'ResponseHookError', cause: String(error) });
    } catch {
      // Nothing is left to tell; the replay stands.
    }
    return replay.value;
  }
}
