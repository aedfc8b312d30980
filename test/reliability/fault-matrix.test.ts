import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DynamoDBOperation, FaultKind, FaultRule } from '../support/fault-proxy.js';
import { manualClock } from '../support/fixtures.js';
import { checkStep, type StepRecord, tally, type Violation } from '../support/idempotency-model.js';
import { type Harness, markdownTable, pool, publish, runStep, SOAK, startHarness } from './harness.js';

/**
 * Every fault × every request of an invocation. Each cell runs the same story on its own key:
 *   A. first call (its handler throws in the release row)    ┐ the faulted request is in A or B
 *   B. duplicate                                              ┘
 *   C. duplicate, no faults
 *   — the clock moves past the claim's in-progress expiry —
 *   D. call, no faults: a claim left behind must be taken over now
 *   E. duplicate: replays D's outcome
 * and the model checks every step: no second execution while a live claim or result stood, no
 * live record overwritten or deleted, no claim stuck past its expiry, every replay the first result.
 */

interface Target {
  readonly label: string;
  readonly operation: DynamoDBOperation;
  /** The step whose requests get the fault. */
  readonly step: 'A' | 'B';
  readonly handlerThrows?: boolean;
  /** Sent only by an endpoint that does not return the existing item with a failed claim. */
  readonly fallbackRead?: boolean;
}

const TARGETS: readonly Target[] = [
  { label: 'claim PutItem (first call)', operation: 'PutItem', step: 'A' },
  { label: 'complete UpdateItem', operation: 'UpdateItem', step: 'A' },
  { label: 'release DeleteItem (handler threw)', operation: 'DeleteItem', step: 'A', handlerThrows: true },
  { label: 'claim PutItem (duplicate)', operation: 'PutItem', step: 'B' },
  { label: 'fallback GetItem (duplicate)', operation: 'GetItem', step: 'B', fallbackRead: true },
];
const FAULTS: readonly FaultKind[] = ['throttle', 'server-error', 'slow-response', 'late-request', 'lost-response', 'reset'];
/** `once`: the SDK's retry rides it out. `always`: every attempt fails, the SDK and the engine give up. */
const MODES = ['once', 'always'] as const;
type Mode = (typeof MODES)[number];

const IN_PROGRESS_TIMEOUT_MS = 5_000;
const TTL_SECONDS = 3_600;

interface CellResult {
  readonly target: Target;
  readonly fault: FaultKind;
  readonly mode: Mode;
  readonly injected: number;
  readonly faultedCall: string;
  readonly executionsBefore: number;
  readonly executionsAfter: number;
  readonly finalStatus: string;
  readonly violations: readonly Violation[];
}

const HARNESS = { timeoutMs: 250, delayMs: 600 } as const;
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(HARNESS);
});
afterAll(async () => {
  await harness?.stop();
});

/** The targets whose request the harness's endpoint sends; a fault on a request never sent tests nothing. */
function sentBy(endpoint: Harness, targets: readonly Target[]): readonly Target[] {
  return targets.filter((target) => !(target.fallbackRead && endpoint.returnsItemOnConditionFailure));
}

async function runCell(harness: Harness, target: Target, fault: FaultKind, mode: Mode): Promise<CellResult> {
  const clock = manualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
  const container = harness.container({ clock: clock.now, inProgressTimeoutMs: IN_PROGRESS_TIMEOUT_MS, ttlSeconds: TTL_SECONDS });
  const key = `matrix-${fault}-${mode}-${randomUUID()}`;
  const rule: FaultRule = {
    fault,
    operation: target.operation,
    bodyIncludes: harness.recordId(key),
    ...(mode === 'once' ? { nth: 1 } : {}),
  };
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
  const steps = [a, b, c, d, e];
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
    violations: steps.flatMap(checkStep),
  };
}

interface Matrix {
  readonly results: readonly CellResult[];
  readonly table: string;
  readonly summary: string;
}

async function runMatrix(harness: Harness, targets: readonly Target[], rounds: number): Promise<Matrix> {
  const sent = sentBy(harness, targets);
  const cells = sent.flatMap((target) => FAULTS.flatMap((fault) => MODES.map((mode) => ({ target, fault, mode }))));
  const results: CellResult[] = [];
  for (let round = 0; round < rounds; round++) {
    results.push(
      ...(await pool(
        12,
        cells.map(
          ({ target, fault, mode }) =>
            () =>
              runCell(harness, target, fault, mode),
        ),
      )),
    );
  }

  const grid = targets.flatMap((target) =>
    MODES.map((mode) => [
      `${target.label}, ${mode}`,
      ...FAULTS.map((fault) => {
        if (!sent.includes(target)) return 'not sent by this endpoint';
        const cell = results.filter((result) => result.target === target && result.fault === fault && result.mode === mode);
        const counts = tally(cell.flatMap((result) => result.violations));
        const ok = cell.every((result) => result.violations.length === 0 && result.injected > 0);
        const first = cell[0]!;
        return `${ok ? '✓' : '✗'} ${first.faultedCall} ${first.executionsBefore}+${first.executionsAfter} ${counts['double-execution']}/${counts.overwritten}/${counts['stuck-claim']}`;
      }),
    ]),
  );
  const totals = tally(results.flatMap((result) => result.violations));
  const table = markdownTable(['request, fault applied', ...FAULTS], grid);
  const summary = [
    'Each cell: ✓ when the model found nothing wrong; what the faulted call got; handler executions before + after the in-progress expiry; double executions / overwritten results / stuck claims.',
    `${results.length} cells (${cells.length} distinct × ${rounds}), ${harness.proxy.faultsInjected()} faults injected.`,
    `Totals: ${totals['double-execution']} double executions within a live claim, ${totals.overwritten} overwritten results, ${totals['stuck-claim']} claims stuck past their in-progress expiry, ${totals['wrong-replay']} wrong replays, ${totals['lost-result']} lost results.`,
  ].join('\n');
  return { results, table, summary };
}

function expectSound(results: readonly CellResult[]): void {
  for (const result of results) {
    expect(result.injected, `${result.target.label} × ${result.fault} (${result.mode}) injected no fault`).toBeGreaterThan(0);
    expect(result.violations, `${result.target.label} × ${result.fault} (${result.mode})`).toEqual([]);
    // Whatever happened before the expiry, the key ends completed: nothing lost, nothing stuck.
    expect(result.finalStatus).toBe('COMPLETED');
  }
}

it('fault matrix: no double execution, no overwritten result, no stuck claim, for every fault on every request', async () => {
  const { results, table, summary } = await runMatrix(harness, TARGETS, SOAK ? 5 : 1);
  console.log(`\nFault matrix\n${table}\n${summary}\n`);
  await publish('fault-matrix', `${table}\n\n${summary}`);
  expectSound(results);
}, 120_000);

it('the fault matrix faults only the requests its endpoint sends: against one that returns the old item, the duplicate sends no fallback read', async () => {
  const likeDynamoDB = await startHarness({ ...HARNESS, emulateReturnedOldItem: true });
  try {
    expect(likeDynamoDB.returnsItemOnConditionFailure).toBe(true);
    expect(harness.returnsItemOnConditionFailure).toBe(false);
    const duplicateRequests = TARGETS.filter((target) => target.step === 'B');
    expect(sentBy(likeDynamoDB, duplicateRequests).map((target) => target.operation)).toEqual(['PutItem']);
    const { results } = await runMatrix(likeDynamoDB, duplicateRequests, 1);
    expect(results.length).toBe(FAULTS.length * MODES.length);
    expectSound(results);
  } finally {
    await likeDynamoDB.stop();
  }
}, 120_000);
