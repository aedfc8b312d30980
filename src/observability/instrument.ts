import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { applyResponseHook } from '../engine/controls.js';
import { engineFromBegin } from '../engine/engine-from-begin.js';
import { statusCodeOf } from '../engine/http-status.js';
import type { Claim, IdempotencyEngine, InvocationDecision, InvocationRequest } from '../engine/idempotency-engine.js';
import { INSTRUMENT, type Instrument } from '../engine/instrumentation.js';
import type { IdempotencyOptions } from '../engine/options.js';
import type { IdempotencyStore } from '../engine/store.js';
import { IdempotencyConfigError } from '../errors.js';
import type { IdempotencyOutcome, OutcomeKind, OutcomeListener, OutcomePhase, OutcomeSink } from './outcome.js';
import { currentOutcomeGroup, DEADLINE_MARGIN_MS, type OutcomeGroup } from './outcome-group.js';

/** What one invocation did to the store, gathered while its own calls run (batches run many at once). */
interface Tally {
  claim: number;
  get: number;
  complete: number;
  release: number;
  recordId: string | undefined;
  completed: boolean;
  leaseLost: boolean;
  storeError: unknown;
}

const tallies = new AsyncLocalStorage<Tally>();

/**
 * Makes `listener` an `onOutcome` sink: a function of your own that receives each outcome (the
 * sinks of this module are made the same way). A listener that throws or rejects is logged and
 * never changes the invocation's result.
 *
 * @example
 * idempotency({ store, key: 'orderId', onOutcome: outcomeSink((outcome) => counts.add(outcome.kind)) })
 */
export function outcomeSink(listener: OutcomeListener): OutcomeSink {
  if (typeof listener !== 'function') {
    throw new IdempotencyConfigError(`outcomeSink takes a function of one outcome, got ${typeof listener}.`);
  }
  const sink = (outcome: IdempotencyOutcome) => listener(outcome);
  return Object.defineProperty(sink, INSTRUMENT, { value: instrumentEngine }) as OutcomeSink;
}

/**
 * Builds the engine with `create` and reports one outcome per invocation to the `onOutcome` sinks;
 * applies the response hook before the outcome is reported, so its status is the returned one.
 */
const instrumentEngine: Instrument = <TInput>(
  options: IdempotencyOptions<TInput>,
  create: (options: IdempotencyOptions<TInput>) => IdempotencyEngine<TInput>,
): IdempotencyEngine<TInput> => {
  const sinks = sinksOf(options.onOutcome);
  const logger = options.logger ?? console;
  const engine = create({ ...options, store: countingStore(options.store) });

  function emit(outcome: IdempotencyOutcome, group: OutcomeGroup | undefined): void {
    for (const sink of sinks) {
      try {
        if (group?.deliver(sink, outcome, sinkFailed)) continue;
        const pending = sink(outcome);
        if (pending instanceof Promise) pending.catch(sinkFailed);
      } catch (error) {
        sinkFailed(error);
      }
    }
  }

  function sinkFailed(error: unknown): void {
    try {
      logger.warn('An onOutcome sink failed; the invocation was not affected.', {
        name: 'OutcomeSinkError',
        cause: String(error),
      });
    } catch {
      // Nothing is left to tell; the invocation's result stands.
    }
  }

  function outcome(
    kind: OutcomeKind,
    scope: string,
    tally: Tally,
    begin: OutcomePhase,
    extra: Partial<IdempotencyOutcome> = {},
  ): IdempotencyOutcome {
    const finish = extra.phases?.finish;
    return {
      kind,
      scope,
      recordId: tally.recordId,
      durationMs: begin.durationMs + (finish?.durationMs ?? 0),
      requests: {
        claim: tally.claim,
        get: tally.get,
        complete: tally.complete,
        release: tally.release,
        total: tally.claim + tally.get + tally.complete + tally.release,
      },
      ...extra,
      phases: { begin, ...(finish && { finish }) },
    };
  }

  function observeAttempt(
    attempt: Claim,
    tally: Tally,
    scope: string,
    begin: OutcomePhase,
    remainingTimeMs: number | undefined,
    group: OutcomeGroup | undefined,
  ): Claim {
    // One outcome per invocation: the first of its finish and its deadline reports it.
    let reported = false;
    function reportAbandoned(reason: unknown): void {
      if (reported) return;
      reported = true;
      emit(outcome('abandoned', scope, tally, begin, { error: describe(reason) }), group);
    }
    const stopWatching = watchDeadline(remainingTimeMs, group, () =>
      reportAbandoned(new InvocationDeadlineError(DEADLINE_MARGIN_MS)),
    );

    async function finish(
      operation: 'complete' | 'release',
      work: () => Promise<void>,
      decide: (error: unknown) => [OutcomeKind, Partial<IdempotencyOutcome>],
    ) {
      stopWatching();
      const startedAt = Date.now();
      const started = performance.now();
      let failure: unknown;
      try {
        await tallies.run(tally, work);
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        if (!reported) {
          reported = true;
          const phase = { startedAt, durationMs: performance.now() - started, operation };
          const [kind, extra] = decide(failure);
          emit(outcome(kind, scope, tally, begin, { ...extra, phases: { begin, finish: phase } }), group);
        }
      }
    }
    return {
      recordId: attempt.recordId,
      complete: (value) =>
        finish(
          'complete',
          () => attempt.complete(value),
          (error) => {
            const statusCode = statusCodeOf(value);
            if (error !== undefined || !tally.completed) {
              if (error === undefined && tally.leaseLost) return ['lease-lost', { statusCode }];
              const cause = error ?? tally.storeError;
              return ['result-not-persisted', { statusCode, ...(cause !== undefined && { error: describe(cause) }) }];
            }
            return ['executed', { statusCode }];
          },
        ),
      release: () =>
        finish(
          'release',
          () => attempt.release(),
          () => {
            if (tally.storeError !== undefined) return ['store-error', { error: describe(tally.storeError) }];
            return [tally.leaseLost ? 'lease-lost' : 'handler-failed', {}];
          },
        ),
      abandon: (reason) => {
        stopWatching();
        reportAbandoned(reason ?? new InvocationDeadlineError(0));
        attempt.abandon(reason);
      },
    };
  }

  async function observedBegin(request: InvocationRequest<TInput>): Promise<InvocationDecision> {
    const scope = options.keyPrefix ?? request.scope;
    const tally: Tally = {
      claim: 0,
      get: 0,
      complete: 0,
      release: 0,
      recordId: undefined,
      completed: false,
      leaseLost: false,
      storeError: undefined,
    };
    const group = currentOutcomeGroup();
    const startedAt = Date.now();
    const started = performance.now();
    const phase = () => ({ startedAt, durationMs: performance.now() - started });
    let begun: InvocationDecision;
    try {
      begun = await tallies.run(tally, () => engine.begin(request));
    } catch (error) {
      const recordId = recordIdOf(error) ?? tally.recordId;
      emit(outcome(refusalKind(error), scope, { ...tally, recordId }, phase(), refusalDetails(error, tally)), group);
      throw error;
    }
    if (begun.kind === 'claimed') {
      const remaining = request.remainingTimeMs === undefined ? undefined : request.remainingTimeMs - phase().durationMs;
      return { kind: 'claimed', claim: observeAttempt(begun.claim, tally, scope, phase(), remaining, group) };
    }
    if (begun.kind === 'unkeyed') {
      emit(outcome('unkeyed', scope, tally, phase()), group);
      return begun;
    }
    // A replay after polling reads (gets) waited.
    const value = applyResponseHook(begun, options, logger);
    const kind: OutcomeKind = begun.fromCache ? 'replayed-from-cache' : tally.get > 0 ? 'in-progress' : 'replayed';
    const extra = { statusCode: statusCodeOf(value), ...(kind === 'in-progress' && { waited: true }) };
    emit(outcome(kind, scope, { ...tally, recordId: begun.recordId }, phase(), extra), group);
    return { ...begun, value };
  }

  // The inner engine's own `run` calls its unwrapped `begin`; this one goes through the wrapper.
  return engineFromBegin(observedBegin);
};

/** Why a claim was reported abandoned: its handler was still running at the invocation's deadline. */
class InvocationDeadlineError extends Error {
  override name = 'InvocationDeadline';

  constructor(marginMs: number) {
    super(
      marginMs > 0
        ? `The handler was still running ${marginMs} ms before the invocation's deadline; the claim stays INPROGRESS until its in-progress expiry.`
        : 'The invocation ended while the handler may still run; the claim stays INPROGRESS until its in-progress expiry.',
    );
  }
}

/**
 * Calls `report` shortly before the deadline unless the returned stop function runs first: in a
 * group, when the group closes; alone, on an unref'd timer. Without a deadline, never.
 */
function watchDeadline(remainingTimeMs: number | undefined, group: OutcomeGroup | undefined, report: () => void): () => void {
  if (group !== undefined) return group.whenUnfinished(report);
  if (remainingTimeMs === undefined) return () => undefined;
  const timer = setTimeout(report, Math.max(0, remainingTimeMs - DEADLINE_MARGIN_MS));
  timer.unref?.();
  return () => clearTimeout(timer);
}

function sinksOf(option: OutcomeSink | readonly OutcomeSink[] | undefined): readonly OutcomeSink[] {
  if (option === undefined) return [];
  return typeof option === 'function' ? [option] : [...option];
}

/** The port's requests, the part of a store the outcome sinks count. */
type Requests = Pick<IdempotencyStore, 'claim' | 'get' | 'complete' | 'release'>;

/**
 * The store, counting each request against the invocation that sent it and noting what the answers
 * meant. Everything else (`maxResultBytes`, `compression`, whatever the port gains later, and the
 * store's own extras) is read from the store itself, never copied: a wrapper that listed what to
 * forward once dropped `compression`, and a sink changed how results were stored.
 */
export function countingStore(store: IdempotencyStore): IdempotencyStore {
  const current = () => tallies.getStore();
  const requests: Requests = {
    async claim(request) {
      const tally = current();
      if (tally) {
        tally.claim++;
        tally.recordId = request.id;
      }
      return store.claim(request);
    },
    async get(id) {
      const tally = current();
      if (tally) tally.get++;
      return store.get(id);
    },
    async complete(request) {
      const tally = current();
      if (tally) tally.complete++;
      try {
        const applied = await store.complete(request);
        if (tally) {
          tally.completed ||= applied;
          tally.leaseLost ||= !applied;
        }
        return applied;
      } catch (error) {
        if (tally) tally.storeError = error;
        throw error;
      }
    },
    async release(request) {
      const tally = current();
      if (tally) tally.release++;
      try {
        const released = await store.release(request);
        if (tally) tally.leaseLost ||= !released;
        return released;
      } catch (error) {
        if (tally) tally.storeError = error;
        throw error;
      }
    },
  };
  // The proxy's target is `requests`, not the store: a frozen store would make a proxy over it
  // refuse to answer its own methods with the counting ones.
  return new Proxy(requests as IdempotencyStore, {
    get(counting, property) {
      if (Object.hasOwn(counting, property)) return Reflect.get(counting, property);
      // The store as receiver and `this`: its getters and methods may read its private fields.
      const value: unknown = Reflect.get(store, property, store);
      return typeof value === 'function' ? value.bind(store) : value;
    },
    has: (counting, property) => Object.hasOwn(counting, property) || property in store,
  });
}

/** Refusals by error name: the sinks may come from the other build (ESM or CommonJS) than the engine's errors. */
const REFUSALS: Readonly<Record<string, OutcomeKind>> = {
  InProgressError: 'in-progress',
  PayloadMismatchError: 'payload-mismatch',
  MissingIdempotencyKeyError: 'unkeyed',
  InvalidIdempotencyKeyError: 'unkeyed',
  UnstorableResultError: 'result-not-persisted',
  ResultNotSerializableError: 'result-not-persisted',
  ResultTooLargeError: 'result-not-persisted',
};

function refusalKind(error: unknown): OutcomeKind {
  return (error instanceof Error && Object.hasOwn(REFUSALS, error.name) && REFUSALS[error.name]) || 'store-error';
}

function refusalDetails(error: unknown, tally: Tally): Partial<IdempotencyOutcome> {
  return { error: describe(error), ...(refusalKind(error) === 'in-progress' && { waited: tally.get > 0 }) };
}

function recordIdOf(error: unknown): string | undefined {
  const id = (error as { recordId?: unknown } | null)?.recordId;
  return typeof id === 'string' ? id : undefined;
}

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}
