/**
 * What became of the handler, read off Middy's request object.
 *
 * Middy gives a middleware no hook around the handler, only the request object it shares with every
 * other middleware, and both Middy 6 and 7 touch that object in a fixed order:
 *
 * 1. to call the handler it reads `request.event`, then `request.context`, and nothing else
 *    (Middy 6 reads `request.context` once more for `timeoutEarly`'s timer);
 * 2. it assigns what the handler returned to `request.response` next, before any `after` runs;
 * 3. when anything throws, it assigns `undefined` to `request.response` and then the error to
 *    `request.error`, and only then runs the `onError` middlewares;
 * 4. an early response (a middleware returning a value, or setting `request.earlyResponse`) is
 *    assigned to `request.response` while `earlyResponse` is an own property, and ends its phase:
 *    no later middleware of that phase runs, and none of the later phases.
 *
 * So an assignment is the handler's result only when it directly follows the handler-call reads,
 * and an undefined one followed by an error is Middy's reset, not a result. Anything else (an error
 * handler's response, a middleware's assignment, an early response) is never taken for it.
 */

/** What the request showed of the handler's outcome. */
export type HandlerOutcome =
  /** The handler returned `value`. */
  | { readonly kind: 'returned'; readonly value: unknown }
  /** The handler threw, or never ran (a middleware failed or answered before it). */
  | { readonly kind: 'failed' }
  /** Middy's `timeoutEarly` failed the invocation: the handler may still be running. */
  | { readonly kind: 'timed-out'; readonly error: unknown }
  /** Two accounts of the invocation fit what was seen (see {@link watchHandlerOutcome}). */
  | { readonly kind: 'unknown' };

/** Finishes the claim for an outcome; the watch calls it at most once. */
export type FinishClaim = (outcome: HandlerOutcome) => Promise<void>;

/** A watch on one Middy request, from the claim until the claim is finished. */
export interface HandlerOutcomeWatch {
  /**
   * From `after`: finishes with `finish` (the final response is known there), unless finishing
   * already began. Stops watching; resolves when the claim is finished.
   */
  finishAfter(finish: () => Promise<void>): Promise<void>;
  /**
   * From `onError`: the finishing begun when Middy caught the error (or, should that not have been
   * seen, one decided from what was). Stops watching; resolves when the claim is finished.
   */
  finishOnError(error: unknown): Promise<void>;
}

/** The part of Middy's request object the watch reads and intercepts. */
export interface WatchedRequest {
  event: unknown;
  context: unknown;
  response: unknown;
  error: unknown;
}

/**
 * How much of a handler call's reads the latest accesses were: `event` (just read), `event-context`
 * (the arguments of a call), `event-context-context` (plus Middy 6's timeoutEarly read), or `none`.
 */
type CallReads = 'none' | 'event' | 'event-context' | 'event-context-context';

/**
 * Watches `request` and finishes the claim once with `finish`:
 * - at Middy's catch, from what preceded it: a timeout keeps the claim, a returned handler stores
 *   its own result (a later middleware's `after` threw), anything else releases;
 * - at an early response that skips this middleware's `after` and `onError` (a middleware
 *   registered after it answering early in `before`, `after` or `onError`): the same decision,
 *   begun without being awaited, because Middy returns the response without calling back;
 * - otherwise from `after` or `onError` (see {@link HandlerOutcomeWatch}).
 *
 * The finishing begun at the catch is the one `onError` awaits; when Middy skips `onError` (an
 * error handler registered after this middleware returned its response or threw), it runs on
 * without being awaited.
 *
 * Installed after the claim, so every read Middy makes to call the handler passes through it.
 * One sequence is indistinguishable from a handler call: a middleware registered after this one
 * reading `request.event` and `request.context` one right after the other and then assigning
 * `request.response` without answering early. Seen twice (that and the real call), the outcome is
 * `unknown` and the claim is kept until it lapses; seen once, because a later `before` threw and
 * the handler never ran, that assignment is taken for the result (docs/usage.md says so).
 */
export function watchHandlerOutcome(request: WatchedRequest, finish: FinishClaim): HandlerOutcomeWatch {
  let reads: CallReads = 'none';
  /** An assignment straight after the handler-call reads: the handler's result unless Middy's reset follows. */
  let candidate: { readonly value: unknown } | undefined;
  let returned: { readonly value: unknown } | undefined;
  let ambiguous = false;
  /** The last access was an assignment of `undefined` to `request.response`: maybe Middy's reset. */
  let lastWasReset = false;
  let finishing: Promise<void> | undefined;
  let watching = true;

  const confirmCandidate = () => {
    if (candidate !== undefined) returned = candidate;
    candidate = undefined;
  };

  const decided = (): HandlerOutcome => {
    confirmCandidate();
    if (ambiguous) return { kind: 'unknown' };
    return returned === undefined ? { kind: 'failed' } : { kind: 'returned', value: returned.value };
  };

  const begin = (outcome: HandlerOutcome): Promise<void> => {
    // A microtask later: never inside Middy's own statements, which these accessors run within.
    finishing ??= Promise.resolve().then(() => finish(outcome));
    // Begun without a caller to await it, a failure must not become an unhandled rejection.
    finishing.catch(() => undefined);
    return finishing;
  };

  /** Any access but the ones a handler call or Middy's catch is made of. */
  const onOther = () => {
    if (!watching) return;
    confirmCandidate();
    lastWasReset = false;
    reads = 'none';
  };

  const onRead = (property: 'event' | 'context') => {
    if (!watching) return;
    const previousReads = reads;
    onOther();
    if (property === 'event') reads = 'event';
    else if (previousReads === 'event') reads = 'event-context';
    else if (previousReads === 'event-context') reads = 'event-context-context';
  };

  const onResponseAssigned = (value: unknown) => {
    if (!watching) return;
    const afterCall = reads === 'event-context' || reads === 'event-context-context';
    reads = 'none';
    confirmCandidate();
    const early = Object.hasOwn(request, 'earlyResponse');
    // A second handler-call shape: one of the two was a middleware's, and nothing tells which.
    if (afterCall && !early) {
      if (returned === undefined) candidate = { value };
      else ambiguous = true;
    }
    lastWasReset = value === undefined;
    if (early) {
      // Middy 7 resets the response before deleting `earlyResponse`: an error in the same turn
      // means this was its catch, which finishes the claim by itself.
      queueMicrotask(() => {
        if (watching && finishing === undefined) begin(decided());
      });
    }
  };

  const onErrorAssigned = (error: unknown) => {
    if (!watching) return;
    reads = 'none';
    if (!lastWasReset) {
      confirmCandidate();
      return;
    }
    lastWasReset = false;
    // Middy's catch: its reset is not a result. Taking the place of one, it means the handler threw.
    candidate = undefined;
    begin(isMiddyTimeout(error) ? { kind: 'timed-out', error } : decided());
  };

  const restorers = [
    intercept(request, 'event', () => onRead('event'), onOther),
    intercept(request, 'context', () => onRead('context'), onOther),
    intercept(request, 'response', onOther, onResponseAssigned),
    intercept(request, 'error', () => undefined, onErrorAssigned),
  ];
  const stop = () => {
    if (!watching) return;
    watching = false;
    // Last installed, first restored: a watch or binding installed before this one gets its own accessors back.
    for (const restore of restorers.reverse()) restore();
  };

  return {
    finishAfter(finishAfter) {
      stop();
      finishing ??= finishAfter();
      return finishing;
    },
    finishOnError(error) {
      const seen = finishing !== undefined;
      stop();
      if (!seen) finishing = begin(isMiddyTimeout(error) ? { kind: 'timed-out', error } : decided());
      return finishing ?? Promise.resolve();
    },
  };
}

/**
 * Replaces `request[property]` with an accessor that reports each read and assignment, keeping the
 * value where it was (in a previous accessor, such as the invocation binding's, or here). Returns the
 * function that puts the previous property back, holding the latest value.
 */
function intercept(
  request: WatchedRequest,
  property: keyof WatchedRequest,
  onGet: () => void,
  onSet: (value: unknown) => void,
): () => void {
  const previous = Object.getOwnPropertyDescriptor(request, property);
  const accessor = previous?.get !== undefined || previous?.set !== undefined;
  let value: unknown = previous?.value;
  const read = () => (accessor ? previous?.get?.call(request) : value);
  Object.defineProperty(request, property, {
    configurable: true,
    enumerable: previous?.enumerable ?? true,
    get() {
      onGet();
      return read();
    },
    set(next: unknown) {
      if (accessor) previous?.set?.call(request, next);
      else value = next;
      onSet(next);
    },
  });
  return () => {
    if (accessor && previous !== undefined) Object.defineProperty(request, property, previous);
    else Object.defineProperty(request, property, { configurable: true, enumerable: true, writable: true, value: read() });
  };
}

/** The error Middy's `timeoutEarly` throws by default (Middy 6 and 7). */
export function isMiddyTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'TimeoutError' &&
    (error.cause as { package?: unknown } | undefined)?.package === '@middy/core'
  );
}
