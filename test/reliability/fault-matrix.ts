import type { DynamoDBOperation, FaultKind, FaultRule } from '../support/fault-proxy.js';
import { type CellResult, cellText, MODES, runStory, type StoryTarget, totalsText } from './fault-story.js';
import { type Harness, markdownTable, pool } from './harness.js';

/**
 * Every fault × every request of an invocation, each cell the story of fault-story.ts on its own key:
 * fault-matrix.test.ts checks it on both transports, scripts/docs-tables.ts renders the default
 * transport's run into docs/reliability.md.
 */

export interface Target extends StoryTarget {
  readonly operation: DynamoDBOperation;
  /** Sent only by an endpoint that does not return the existing item with a failed claim. */
  readonly fallbackRead?: boolean;
}

export const TARGETS: readonly Target[] = [
  { label: 'claim PutItem (first call)', operation: 'PutItem', step: 'A' },
  { label: 'complete UpdateItem', operation: 'UpdateItem', step: 'A' },
  { label: 'release DeleteItem (handler threw)', operation: 'DeleteItem', step: 'A', handlerThrows: true },
  { label: 'claim PutItem (duplicate)', operation: 'PutItem', step: 'B' },
  { label: 'fallback GetItem (duplicate)', operation: 'GetItem', step: 'B', fallbackRead: true },
];
export const FAULTS: readonly FaultKind[] = [
  'throttle',
  'server-error',
  'slow-response',
  'late-request',
  'lost-response',
  'reset',
];
export const HARNESS = { timeoutMs: 1_000, delayMs: 1_500 } as const;
/** The targets whose request the harness's endpoint sends; a fault on a request never sent tests nothing. */
export function sentBy(endpoint: Harness, targets: readonly Target[]): readonly Target[] {
  return targets.filter((target) => !(target.fallbackRead && endpoint.returnsItemOnConditionFailure));
}

/** A cell of this matrix: the story, with the fault on the target's request of the cell's record. */
function runCell(
  harness: Harness,
  target: Target,
  fault: FaultKind,
  mode: (typeof MODES)[number],
): Promise<CellResult<Target, FaultKind>> {
  return runStory(harness, {
    target,
    fault,
    mode,
    startAt: Date.UTC(2026, 10, 29, 12, 0, 0),
    rule: (recordId): FaultRule => ({
      fault,
      operation: target.operation,
      bodyIncludes: recordId,
      ...(mode === 'once' ? { nth: 1 } : {}),
    }),
  });
}

export interface Matrix {
  readonly results: readonly CellResult<Target, FaultKind>[];
  readonly table: string;
  readonly summary: string;
}

export async function runMatrix(harness: Harness, targets: readonly Target[], rounds: number): Promise<Matrix> {
  const sent = sentBy(harness, targets);
  const cells = sent.flatMap((target) => FAULTS.flatMap((fault) => MODES.map((mode) => ({ target, fault, mode }))));
  const results: CellResult<Target, FaultKind>[] = [];
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
        return cellText(results.filter((result) => result.target === target && result.fault === fault && result.mode === mode));
      }),
    ]),
  );
  const table = markdownTable(['request, fault applied', ...FAULTS], grid);
  const summary = [
    'Each cell: ✓ when the model found nothing wrong; what the faulted call got; handler executions before + after the in-progress expiry; double executions / overwritten results / stuck claims.',
    `${results.length} cells (${cells.length} distinct × ${rounds}), ${harness.proxy.faultsInjected()} faults injected.`,
    totalsText(results),
  ].join('\n');
  return { results, table, summary };
}
