import type { Context } from 'aws-lambda';
import { createIdempotencyEngine } from '../engine/create-engine.js';
import type { IdempotencyOptions } from '../engine/options.js';
import { compileSelector } from '../engine/selector.js';
import { IdempotencyConfigError } from '../errors.js';
import { isLambdaContext, remainingTimeOf, scopeOf } from '../lambda/context.js';
import { durableExecutionOf, refuseDurableInvocationInput } from '../lambda/durable.js';
import { deliveryKeyOrInput } from '../lambda/event-sources/delivery-key.js';
import { invocationContext, runInInvocation } from '../lambda/invocation.js';
import { registerDefaultScope } from '../lambda/scope-registry.js';

/**
 * Options of {@link makeIdempotent}. `key` and `payload` read the first argument; pass a function
 * of all the arguments to read the others.
 */
export interface MakeIdempotentOptions<Args extends unknown[]> extends Omit<IdempotencyOptions<Args>, 'key' | 'payload'> {
  /**
   * Which part of the arguments identifies a call: a dotted path into the first argument, or a
   * function of all of them. Defaults to the first argument, or, when it is an event of a source
   * that names each delivery (EventBridge, S3, SNS, Amazon MQ, DocumentDB), that delivery's
   * identity: see docs/sources.md.
   */
  readonly key?: ArgsSelector<Args>;
  /** Which part of the arguments must match on a replay; a reused key with another payload fails with `PayloadMismatchError`. */
  readonly payload?: ArgsSelector<Args>;
}

/** A dotted path into the first argument, or a function of all the arguments. */
export type ArgsSelector<Args extends unknown[]> = string | ((...args: Args) => unknown);

/**
 * Makes any async function idempotent: a Lambda handler without Middy, or one side effect inside
 * a handler ("charge this payment once"). The claim lasts as long as the invocation's remaining
 * time: from a Lambda context among the arguments, else from the invocation this library's adapters
 * run (Middy middleware, `idempotentBatch`, an outer `makeIdempotent`), else `inProgressTimeoutMs`.
 *
 * Records are scoped by the Lambda function's name, never by the wrapped function's own `name`
 * (a bundler renames it), so an anonymous handler works and a retry straddling a deploy replays.
 * Two idempotent instances in one Lambda need the `name` option to keep their records apart.
 *
 * Inside a durable function, `withDurableExecution(makeIdempotent(handler, options))`: the
 * `DurableContext` argument makes the claim the execution's, held again by each replay and stored
 * only when the execution completes (see docs/durable-functions.md).
 *
 * @throws {IdempotencyConfigError} at setup, naming an unusable option, or when an earlier
 * instance without `name` in this Lambda would share this one's records; at the first call, when
 * it wraps the handler `withDurableExecution` returned instead of the one it is given.
 *
 * @typeParam Args The wrapped function's parameters. Unannotated, as in
 * `makeIdempotent(async (event, context) => ...)`, they are a Lambda handler's event and context.
 * @typeParam R What the wrapped function resolves to; a replay resolves to the stored one.
 *
 * @example
 * export const handler = makeIdempotent(async (event, context) => processOrder(event), { store, key: 'orderId' });
 * const charge = makeIdempotent(chargeCard, { store, key: 'paymentId', name: 'charge-card' });
 */
export function makeIdempotent<Args extends unknown[] = [event: Record<string, unknown>, context: Context], R = unknown>(
  fn: (...args: Args) => R | Promise<R>,
  options: MakeIdempotentOptions<Args>,
): (...args: Args) => Promise<Awaited<R>> {
  if (typeof fn !== 'function') throw new IdempotencyConfigError('makeIdempotent needs a function to wrap.');
  const engine = createIdempotencyEngine<Args>({
    ...options,
    key: toArgsSelector(options?.key, 'key'),
    payload: options?.payload === undefined ? undefined : toArgsSelector(options.payload, 'payload'),
  });
  registerDefaultScope('handler', 'makeIdempotent', options);

  // A function expression, not an arrow: a wrapped method keeps its `this`.
  return async function idempotentFunction(this: unknown, ...args: Args): Promise<Awaited<R>> {
    refuseDurableInvocationInput(args[0], 'makeIdempotent', DURABLE_ORDER);
    const durable = findDurableExecution(args);
    const given = durable?.lambdaContext ?? args.find(isLambdaContext);
    // Called inside a handler without the context: the invocation our adapters recorded.
    const context = invocationContext(given);
    const request = {
      input: args,
      scope: scopeOf(context),
      remainingTimeMs: remainingTimeOf(context),
      durableExecutionId: durable?.executionArn,
    };
    // Only the handler can make inner calls: a replay or a cache hit enters no scope.
    return engine.run(request, async (): Promise<Awaited<R>> => await runInInvocation(given, () => fn.apply(this, args)));
  };
}

const DURABLE_ORDER =
  'Put makeIdempotent inside: withDurableExecution(makeIdempotent(handler, options)), or makeIdempotent around a function a step calls.';

function findDurableExecution(args: readonly unknown[]) {
  for (const arg of args) {
    const durable = durableExecutionOf(arg);
    if (durable !== undefined) return durable;
  }
  return undefined;
}

/**
 * A dotted path reads the first argument, a function gets them all; the default is the first,
 * or the delivery identity of the event it is (an EventBridge `id`, an S3 or SNS notification's).
 */
function toArgsSelector<Args extends unknown[]>(
  selector: ArgsSelector<Args> | undefined,
  option: string,
): (args: Args) => unknown {
  if (selector === undefined) return (args) => deliveryKeyOrInput(args[0]);
  if (typeof selector === 'function') return (args) => selector(...args);
  const select = compileSelector<unknown>(selector, option);
  return (args) => select(args[0]);
}
