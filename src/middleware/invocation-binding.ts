import type { LambdaContextLike } from '../lambda/context.js';
import { enterInvocation } from '../lambda/invocation.js';

/**
 * Why accessors: a Middy `before` cannot wrap the handler, and `enterWith` inside it reaches the
 * handler only in some Middy versions and positions (Middy 6 awaits the before stack in a nested
 * function whose continuation the handler call does not share), while at the start of the first
 * `before` it would tag the caller too. What every Middy does is read `request.event` and
 * `request.context` in the very continuation that calls the handler: entering the invocation
 * there binds the handler, the middlewares after it, and nothing outside `runRequest`.
 */
const BOUND_PROPERTIES = ['event', 'context'] as const;

/** The restorers of the requests this module has bound. */
const bound = new WeakMap<object, () => void>();

/** The part of Middy's request object this module touches. */
interface BoundRequest {
  event: unknown;
  context: unknown;
}

/**
 * Binds everything that reads `request.event` or `request.context` from now on (the handler Middy
 * calls next, later middlewares) to the invocation of `context`. Call it after the first `await`
 * of a `before`, so no read happens in the caller's synchronous code.
 */
export function bindReadsToInvocation(request: BoundRequest, context: LambdaContextLike): void {
  if (bound.has(request)) return;
  const values = new Map<string, unknown>(BOUND_PROPERTIES.map((property) => [property, request[property]]));
  for (const property of BOUND_PROPERTIES) {
    Object.defineProperty(request, property, {
      configurable: true,
      enumerable: true,
      get() {
        enterInvocation(context);
        return values.get(property);
      },
      set(value: unknown) {
        values.set(property, value);
      },
    });
  }
  bound.set(request, () => {
    for (const property of BOUND_PROPERTIES) {
      Object.defineProperty(request, property, {
        configurable: true,
        enumerable: true,
        writable: true,
        value: values.get(property),
      });
    }
  });
}

/** Ends {@link bindReadsToInvocation}: the properties hold their last values again, plainly. */
export function unbindReads(request: object): void {
  bound.get(request)?.();
  bound.delete(request);
}
