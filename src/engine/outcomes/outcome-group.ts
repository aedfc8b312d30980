import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyOutcome, OutcomeSink } from './outcome.js';

/**
 * How long before an invocation's deadline an unfinished claim is reported `abandoned`: Lambda
 * stops the process at the deadline, so an outcome written any later is never seen.
 */
export const DEADLINE_MARGIN_MS = 50;

/** What one sink gathers over one invocation, reported once when the invocation ends. */
export interface OutcomeAggregate {
  add(outcome: IdempotencyOutcome): void;
  close(): void;
}

/** Sinks that report once per invocation (the EMF sink: one document) and how each starts a report. */
const perInvocation = new WeakMap<OutcomeSink, () => OutcomeAggregate>();

/** Marks `sink` as one that, inside {@link collectOutcomes}, gets one aggregate per invocation. */
export function reportsPerInvocation<T extends OutcomeSink>(sink: T, open: () => OutcomeAggregate): T {
  perInvocation.set(sink, open);
  return sink;
}

/**
 * The outcomes of one invocation that runs many claims (a batch). Sinks marked with
 * {@link reportsPerInvocation} receive them gathered; the others receive each one as it comes.
 */
export class OutcomeGroup {
  readonly #aggregates = new Map<OutcomeSink, { aggregate: OutcomeAggregate; failed: (error: unknown) => void }>();
  readonly #unfinished = new Set<() => void>();
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(remainingTimeMs: number | undefined) {
    if (remainingTimeMs === undefined) return;
    this.#timer = setTimeout(() => this.close(), Math.max(0, remainingTimeMs - DEADLINE_MARGIN_MS));
    // A pending report must never keep a process (a test, a script) alive.
    this.#timer.unref?.();
  }

  /** Takes the outcome for a per-invocation sink; false when the sink should get it now. */
  deliver(sink: OutcomeSink, outcome: IdempotencyOutcome, failed: (error: unknown) => void): boolean {
    const open = perInvocation.get(sink);
    if (open === undefined || this.#closed) return false;
    let entry = this.#aggregates.get(sink);
    if (entry === undefined) {
      entry = { aggregate: open(), failed };
      this.#aggregates.set(sink, entry);
    }
    entry.aggregate.add(outcome);
    return true;
  }

  /** Runs `report` if the group closes (deadline or end) before the returned function is called. */
  whenUnfinished(report: () => void): () => void {
    this.#unfinished.add(report);
    return () => this.#unfinished.delete(report);
  }

  /** Reports the claims still unfinished, then hands each aggregate its end. Idempotent. */
  close(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const report of [...this.#unfinished]) report();
    this.#unfinished.clear();
    this.#closed = true;
    for (const { aggregate, failed } of this.#aggregates.values()) {
      try {
        aggregate.close();
      } catch (error) {
        failed(error);
      }
    }
  }
}

const groups = new AsyncLocalStorage<OutcomeGroup>();

/** The group the current code runs in, if an adapter opened one. */
export function currentOutcomeGroup(): OutcomeGroup | undefined {
  return groups.getStore();
}

/**
 * Runs one invocation's claims as a group: per-invocation sinks report once, when `fn` ends
 * or {@link DEADLINE_MARGIN_MS} before the deadline, whichever comes first.
 */
export async function collectOutcomes<R>(remainingTimeMs: number | undefined, fn: () => Promise<R>): Promise<R> {
  const group = new OutcomeGroup(remainingTimeMs);
  try {
    return await groups.run(group, fn);
  } finally {
    group.close();
  }
}
