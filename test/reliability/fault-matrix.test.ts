import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBOperation, FaultKind, FaultRule } from '../support/fault-proxy.js';
import type { Transport } from '../support/fixtures.js';
import { type CellResult, cellText, expectSound, MODES, runStory, type StoryTarget, totalsText } from './fault-story.js';
import { type Harness, markdownTable, pool, publish, SOAK, startHarness } from './harness.js';

/** Every fault × every request of an invocation, each cell the story of fault-story.ts on its own key. */

interface Target extends StoryTarget {
  readonly operation: DynamoDBOperation;
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
const HARNESS = { timeoutMs: 1_000, delayMs: 1_500 } as const;
/** The targets whose request the harness's endpoint sends; a fault on a request never sent tests nothing. */
function sentBy(endpoint: Harness, targets: readonly Target[]): readonly Target[] {
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

interface Matrix {
  readonly results: readonly CellResult<Target, FaultKind>[];
  readonly table: string;
  readonly summary: string;
}

async function runMatrix(harness: Harness, targets: readonly Target[], rounds: number): Promise<Matrix> {
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

// Both transports: the store's own (the default) and a caller's AWS SDK client.
for (const transport of ['lean', 'sdk'] as const satisfies readonly Transport[]) {
  describe(`${transport} transport`, () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ ...HARNESS, transport });
    });
    afterAll(async () => {
      await harness?.stop();
    });

    it('fault matrix: no double execution, no overwritten result, no stuck claim, for every fault on every request', async () => {
      const { results, table, summary } = await runMatrix(harness, TARGETS, SOAK ? 5 : 1);
      console.log(`\nFault matrix, ${transport} transport\n${table}\n${summary}\n`);
      // docs/reliability.md shows the default transport's run.
      if (transport === 'lean') await publish('fault-matrix', `${table}\n\n${summary}`);
      expectSound(results);
    }, 120_000);

    it('the fault matrix faults only the requests its endpoint sends: against one that returns the old item, the duplicate sends no fallback read', async () => {
      const likeDynamoDB = await startHarness({ ...HARNESS, transport, emulateReturnedOldItem: true });
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
  });
}
