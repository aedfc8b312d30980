import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { manualClock } from '../support/fixtures.js';
import { checkStep, type StepRecord, tally, type Violation } from '../support/idempotency-model.js';
import { runStep, type StoreHarness } from './harness.js';

/**
 * The story every cell of a fault matrix runs, on its own key, whichever the store:
 *   A. first call (its handler throws in a release row)       ┐ the faulted request is in A or B
 *   B. duplicate                                              ┘
 *   C. duplicate, no faults
 *   — the clock moves past the claim's in-progress expiry —
 *   D. call, no faults: a claim left behind must be taken over now
 *   E. duplicate: replays D's outcome
 * and the model checks every step: no second execution while a live claim or result stood, no
 * live record overwritten or deleted, no claim stuck past its expiry, every replay the first result.
 */
export interface StoryTarget {
  readonly label: string;
  /** The step whose requests get the fault. */
  readonly step: 'A' | 'B';
  readonly handlerThrows?: boolean;
}

/** `once`: the client's retry (or the next step) rides it out. `always`: every attempt fails. */
export const MODES = ['once', 'always'] as const;
export type Mode = (typeof MODES)[number];

const IN_PROGRESS_TIMEOUT_MS = 5_000;
const TTL_SECONDS = 3_600;

export interface CellResult<TTarget extends StoryTarget, TFault extends string> {
  readonly target: TTarget;
  readonly fault: TFault;
  readonly mode: Mode;
  readonly injected: number;
  readonly faultedCall: string;
  readonly executionsBefore: number;
  readonly executionsAfter: number;
  readonly finalStatus: string;
  readonly violations: readonly Violation[];
}

export interface StoryCell<TTarget extends StoryTarget, TFault extends string, TRule> {
  readonly target: TTarget;
  readonly fault: TFault;
  readonly mode: Mode;
  /** The clock the engines start from (a server that expires keys itself needs the real time). */
  readonly startAt: number;
  /** The fault rule for this cell's record, applied to the target step's requests. */
  rule(recordId: string): TRule;
}

export async function runStory<TTarget extends StoryTarget, TFault extends string, TRule>(
  harness: StoreHarness<TRule>,
  cell: StoryCell<TTarget, TFault, TRule>,
): Promise<CellResult<TTarget, TFault>> {
  const { target, fault, mode } = cell;
  const clock = manualClock(cell.startAt);
  const container = harness.container({ clock: clock.now, inProgressTimeoutMs: IN_PROGRESS_TIMEOUT_MS, ttlSeconds: TTL_SECONDS });
  const key = `matrix-${fault}-${mode}-${randomUUID()}`;
  const rule = cell.rule(harness.recordId(key));
  let injected = 0;
  const step = async (name: 'A' | 'B' | 'C' | 'D' | 'E', handlerThrows = false): Promise<StepRecord> => {
    const rules = target.step === name ? [rule] : [];
    const [record] = await runStep(harness, clock.now(), [{ container, key, kind: 'call', handlerThrows }], rules);
    injected += record!.faultsInjected;
    return record!;
  };

  const a = await step('A', target.handlerThrows);
  const b = await step('B');
  const c = await step('C');
  clock.advance(IN_PROGRESS_TIMEOUT_MS + 1_000);
  const d = await step('D');
  const e = await step('E');
  const faulted = target.step === 'A' ? a : b;
  const outcome = faulted.calls[0];
  return {
    target,
    fault,
    mode,
    injected,
    faultedCall: outcome === undefined ? '-' : outcome.ok ? 'returned' : outcome.error,
    executionsBefore: a.executions.length + b.executions.length + c.executions.length,
    executionsAfter: d.executions.length + e.executions.length,
    finalStatus: e.post.status,
    violations: [a, b, c, d, e].flatMap(checkStep),
  };
}

/**
 * One grid cell: ✓ when the model found nothing wrong; what the faulted call got; handler
 * executions before + after the in-progress expiry; double executions / overwritten / stuck claims.
 */
export function cellText(cell: readonly CellResult<StoryTarget, string>[]): string {
  const counts = tally(cell.flatMap((result) => result.violations));
  const ok = cell.every((result) => result.violations.length === 0 && result.injected > 0);
  const first = cell[0]!;
  return `${ok ? '✓' : '✗'} ${first.faultedCall} ${first.executionsBefore}+${first.executionsAfter} ${counts['double-execution']}/${counts.overwritten}/${counts['stuck-claim']}`;
}

/** The totals line under a grid. */
export function totalsText(results: readonly CellResult<StoryTarget, string>[]): string {
  const totals = tally(results.flatMap((result) => result.violations));
  return `Totals: ${totals['double-execution']} double executions within a live claim, ${totals.overwritten} overwritten results, ${totals['stuck-claim']} claims stuck past their in-progress expiry, ${totals['wrong-replay']} wrong replays, ${totals['lost-result']} lost results.`;
}

/** Every cell injected its fault, the model found nothing wrong, and the key ended completed. */
export function expectSound(results: readonly CellResult<StoryTarget, string>[]): void {
  for (const result of results) {
    const cell = `${result.target.label} × ${result.fault} (${result.mode})`;
    expect(result.injected, `${cell} injected no fault; faulted call: ${result.faultedCall}`).toBeGreaterThan(0);
    expect(result.violations, cell).toEqual([]);
    // Whatever happened before the expiry, the key ends completed: nothing lost, nothing stuck.
    expect(result.finalStatus, cell).toBe('COMPLETED');
  }
}

/** The cells {@link expectSound} would fail, each named with what went wrong (for scripts/docs-tables.ts). */
export function unsoundCells(results: readonly CellResult<StoryTarget, string>[]): string[] {
  return results.flatMap((result) => {
    const problems = [
      ...(result.injected > 0 ? [] : ['no fault injected']),
      ...result.violations.map((violation) => violation.kind),
      ...(result.finalStatus === 'COMPLETED' ? [] : [`ended ${result.finalStatus}`]),
    ];
    return problems.length === 0 ? [] : [`${result.target.label} × ${result.fault} (${result.mode}): ${problems.join(', ')}`];
  });
}
