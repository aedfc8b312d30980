import type { IdempotencyLogger } from '../warn.js';
import type { IdempotencyOutcome, OutcomeSink } from './outcome.js';
import type { OutcomeGroup } from './outcome-group.js';

/** Hands one outcome to every sink, through the invocation's group when it gathers for that sink. */
export type EmitOutcome = (outcome: IdempotencyOutcome, group: OutcomeGroup | undefined) => void;

/** The `onOutcome` option as a list of sinks. */
export function sinksOf(option: OutcomeSink | readonly OutcomeSink[] | undefined): readonly OutcomeSink[] {
  if (option === undefined) return [];
  return typeof option === 'function' ? [option] : [...option];
}

/** Emits to `sinks`; a sink that throws or rejects is logged and never changes the invocation's result. */
export function fanOut(sinks: readonly OutcomeSink[], logger: IdempotencyLogger): EmitOutcome {
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
  return (outcome, group) => {
    for (const sink of sinks) {
      try {
        if (group?.deliver(sink, outcome, sinkFailed)) continue;
        const pending = sink(outcome);
        if (pending instanceof Promise) pending.catch(sinkFailed);
      } catch (error) {
        sinkFailed(error);
      }
    }
  };
}
