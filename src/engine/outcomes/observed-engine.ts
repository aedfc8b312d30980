import { InvocationDeadlineError } from '../../errors.js';
import type { Claim } from '../claim.js';
import { engineFromBegin } from '../engine-from-begin.js';
import type { IdempotencyEngine, InvocationDecision, InvocationRequest } from '../idempotency-engine.js';
import type { IdempotencyOptions } from '../options.js';
import { applyResponseHook } from '../response-hook.js';
import {
  type Classified,
  completionOutcome,
  describe,
  recordIdOf,
  refusalOutcome,
  releaseOutcome,
  replayOutcome,
} from './classify.js';
import { countingStore, countRequests, newTally, type Tally } from './counting-store.js';
import { watchDeadline } from './deadline-watch.js';
import type { IdempotencyOutcome, OutcomePhase } from './outcome.js';
import { currentOutcomeGroup, DEADLINE_MARGIN_MS, type OutcomeGroup } from './outcome-group.js';
import { fanOut, sinksOf } from './sink-fanout.js';

/** The common fields of one invocation's outcome. */
interface Invocation {
  readonly scope: string;
  readonly tally: Tally;
  readonly group: OutcomeGroup | undefined;
}

/**
 * The engine `create` builds on a counting store, reporting one outcome per invocation to the
 * `onOutcome` sinks. The response hook is applied here, before the outcome is reported, so the
 * outcome's status is that of the response returned.
 */
export function observeEngine<TInput>(
  options: IdempotencyOptions<TInput>,
  create: (options: IdempotencyOptions<TInput>) => IdempotencyEngine<TInput>,
): IdempotencyEngine<TInput> {
  const logger = options.logger ?? console;
  const emit = fanOut(sinksOf(options.onOutcome), logger);
  const engine = create({ ...options, store: countingStore(options.store) });

  function report(invocation: Invocation, begin: OutcomePhase, [kind, extra]: Classified, finish?: OutcomePhase): void {
    const { tally } = invocation;
    const outcome: IdempotencyOutcome = {
      kind,
      scope: invocation.scope,
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
    emit(outcome, invocation.group);
  }

  function observeClaim(claim: Claim, invocation: Invocation, begin: OutcomePhase, remainingTimeMs: number | undefined): Claim {
    // One outcome per invocation: the first of its finish and its deadline reports it.
    let reported = false;
    const reportAbandoned = (reason: unknown) => {
      if (reported) return;
      reported = true;
      report(invocation, begin, ['abandoned', { error: describe(reason) }]);
    };
    const stopWatching = watchDeadline(remainingTimeMs, invocation.group, () =>
      reportAbandoned(new InvocationDeadlineError(DEADLINE_MARGIN_MS)),
    );

    async function finish(
      operation: 'complete' | 'release',
      work: () => Promise<void>,
      classify: (error: unknown) => Classified,
    ) {
      stopWatching();
      const startedAt = Date.now();
      const started = performance.now();
      let failure: unknown;
      try {
        await countRequests(invocation.tally, work);
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        if (!reported) {
          reported = true;
          report(invocation, begin, classify(failure), { startedAt, durationMs: performance.now() - started, operation });
        }
      }
    }
    return {
      recordId: claim.recordId,
      complete: (value) =>
        finish(
          'complete',
          () => claim.complete(value),
          (error) => completionOutcome(value, error, invocation.tally),
        ),
      release: () =>
        finish(
          'release',
          () => claim.release(),
          () => releaseOutcome(invocation.tally),
        ),
      abandon: (reason) => {
        stopWatching();
        reportAbandoned(reason ?? new InvocationDeadlineError(0));
        claim.abandon(reason);
      },
    };
  }

  async function observedBegin(request: InvocationRequest<TInput>): Promise<InvocationDecision> {
    const invocation: Invocation = { scope: options.keyPrefix ?? request.scope, tally: newTally(), group: currentOutcomeGroup() };
    const { tally } = invocation;
    const startedAt = Date.now();
    const started = performance.now();
    const phase = () => ({ startedAt, durationMs: performance.now() - started });
    let decision: InvocationDecision;
    try {
      decision = await countRequests(tally, () => engine.begin(request));
    } catch (error) {
      tally.recordId = recordIdOf(error) ?? tally.recordId;
      report(invocation, phase(), refusalOutcome(error, tally));
      throw error;
    }
    if (decision.kind === 'claimed') {
      const begin = phase();
      const remaining = request.remainingTimeMs === undefined ? undefined : request.remainingTimeMs - begin.durationMs;
      return { kind: 'claimed', claim: observeClaim(decision.claim, invocation, begin, remaining) };
    }
    if (decision.kind === 'unkeyed') {
      report(invocation, phase(), ['unkeyed', {}]);
      return decision;
    }
    if (decision.kind === 'store-unavailable') {
      tally.recordId = decision.recordId;
      report(invocation, phase(), ['store-unavailable', { error: describe(decision.error) }]);
      return decision;
    }
    const value = applyResponseHook(decision, options.responseHook, logger);
    tally.recordId = decision.recordId;
    report(invocation, phase(), replayOutcome(decision.fromCache, value, tally));
    return { ...decision, value };
  }

  // The inner engine's own `run` calls its unwrapped `begin`; this one goes through the wrapper.
  return engineFromBegin(observedBegin);
}
