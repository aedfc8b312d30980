import { IdempotencyConfigError } from '../errors.js';
import type { IdempotencyEngine } from './idempotency-engine.js';
import type { IdempotencyOptions } from './options.js';

/**
 * Where an outcome sink carries the code that measures outcomes. Registered with `Symbol.for`, so
 * a sink from the ESM build works with an engine from the CommonJS build and the other way round.
 */
export const INSTRUMENT: unique symbol = Symbol.for('lambda-idempotency.instrument') as never;

/** Builds the engine itself, from options already validated. */
export type EngineFactory<TInput> = (options: IdempotencyOptions<TInput>) => IdempotencyEngine<TInput>;

/** Builds an engine with `create` and reports its outcomes to the sinks of `options.onOutcome`. */
export type Instrument = <TInput>(
  options: IdempotencyOptions<TInput>,
  create: EngineFactory<TInput>,
) => IdempotencyEngine<TInput>;

/**
 * The instrumentation the `onOutcome` sinks bring with them, or undefined without sinks. Carried by
 * the sinks rather than imported here, so a handler that observes nothing does not bundle it.
 */
export function instrumentOf(option: IdempotencyOptions<unknown>['onOutcome']): Instrument | undefined {
  if (option === undefined) return undefined;
  const sinks: readonly unknown[] = typeof option === 'function' ? [option] : option;
  if (!Array.isArray(sinks)) throw new IdempotencyConfigError('Option "onOutcome" must be a sink or an array of sinks.');
  let instrument: Instrument | undefined;
  for (const sink of sinks) {
    const carried = typeof sink === 'function' ? (sink as { [INSTRUMENT]?: unknown })[INSTRUMENT] : undefined;
    if (typeof carried !== 'function') {
      throw new IdempotencyConfigError(
        'Option "onOutcome" takes the sinks of lambda-idempotency/observability (outcomeLog, emfMetrics, ' +
          'openTelemetrySpans, powertoolsMetrics); wrap a function of your own with outcomeSink(fn) from there.',
      );
    }
    instrument ??= carried as Instrument;
  }
  return instrument;
}
