import { createIdempotencyEngine } from '../engine/idempotency-engine.js';
import type { IdempotencyOptions } from '../engine/options.js';
import { compileSelector } from '../engine/selector.js';
import { IdempotencyConfigError } from '../errors.js';
import { isLambdaContext, remainingTimeOf, scopeOf } from '../lambda/context.js';

/**
 * Options of {@link makeIdempotent}. `key` and `payload` read the first argument; pass a function
 * of all the arguments to read the others.
 */
export interface MakeIdempotentOptions<Args extends unknown[]> extends Omit<IdempotencyOptions<Args>, 'key' | 'payload'> {
  /** Which part of the arguments identifies a call: a dotted path into the first argument, or a function of all of them. Defaults to the first argument. */
  readonly key?: ArgsSelector<Args>;
  /** Which part of the arguments must match on a replay; a reused key with another payload fails with `PayloadMismatchError`. */
  readonly payload?: ArgsSelector<Args>;
}

/** A dotted path into the first argument, or a function of all the arguments. */
export type ArgsSelector<Args extends unknown[]> = string | ((...args: Args) => unknown);

/**
 * Makes any async function idempotent: a Lambda handler without Middy, or one side effect inside
 * a handler ("charge this payment once"). When one of the arguments is a Lambda context, the
 * claim lasts as long as the invocation's remaining time.
 *
 * @example
 * const charge = makeIdempotent(chargeCard, { store, key: (request) => request.paymentId });
 */
export function makeIdempotent<Args extends unknown[], R>(
  fn: (...args: Args) => R | Promise<R>,
  options: MakeIdempotentOptions<Args>,
): (...args: Args) => Promise<Awaited<R>> {
  if (typeof fn !== 'function') throw new IdempotencyConfigError('makeIdempotent needs a function to wrap.');
  if (!fn.name && options?.keyPrefix === undefined) {
    throw new IdempotencyConfigError(
      'makeIdempotent needs a named function or the "keyPrefix" option: the name keeps the records of two functions apart.',
    );
  }
  const engine = createIdempotencyEngine<Args>({
    ...options,
    key: toArgsSelector(options?.key, 'key'),
    payload: options?.payload === undefined ? undefined : toArgsSelector(options.payload, 'payload'),
  });
  const wrappedName = fn.name;

  // A function expression, not an arrow: a wrapped method keeps its `this`.
  return async function idempotentFunction(this: unknown, ...args: Args): Promise<Awaited<R>> {
    const context = args.find(isLambdaContext);
    const request = { input: args, scope: scopeOf(context, wrappedName), remainingTimeMs: remainingTimeOf(context) };
    return engine.run(request, async (): Promise<Awaited<R>> => await fn.apply(this, args));
  };
}

/** A dotted path reads the first argument, a function gets them all; the default is the first. */
function toArgsSelector<Args extends unknown[]>(
  selector: ArgsSelector<Args> | undefined,
  option: string,
): (args: Args) => unknown {
  if (selector === undefined) return (args) => args[0];
  if (typeof selector === 'function') return (args) => selector(...args);
  const select = compileSelector<unknown>(selector, option);
  return (args) => select(args[0]);
}
