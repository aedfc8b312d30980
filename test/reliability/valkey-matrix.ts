import type { ValkeyFault, ValkeyFaultRule, ValkeyOperation } from '../support/valkey-fault-proxy.js';
import { type CellResult, cellText, MODES, type Mode, runStory, type StoryTarget, totalsText } from './fault-story.js';
import { markdownTable, type StoreHarness } from './harness.js';

/**
 * The Valkey fault matrix, whatever the topology: every fault × every request of an invocation,
 * each cell the story of fault-story.ts on its own key, the fault on the target's command for the
 * cell's record. The store sends claim (`SET … NX GET`, then the claim script for a lapsed
 * record), complete and release (one script each); it reads (GET) only for a caller that waits on
 * an in-progress key, which these engines do not.
 */
export interface MatrixTarget extends StoryTarget {
  readonly operation: ValkeyOperation;
}

export const TARGETS: readonly MatrixTarget[] = [
  { label: 'claim (first call)', operation: 'claim', step: 'A' },
  { label: 'complete', operation: 'complete', step: 'A' },
  { label: 'release (handler threw)', operation: 'release', step: 'A', handlerThrows: true },
  { label: 'claim (duplicate)', operation: 'claim', step: 'B' },
];

/** A Valkey harness: fault rules of the RESP proxy, and the key a record id is kept under. */
export interface MatrixHarness extends StoreHarness<ValkeyFaultRule> {
  keyOf(id: string): string;
}

export interface MatrixCell {
  readonly target: MatrixTarget;
  readonly fault: ValkeyFault;
  readonly mode: Mode;
}

/** Every target × fault × mode, leaving out the faults `onceOnly` names in the `always` mode. */
export function matrixCells(faults: readonly ValkeyFault[], onceOnly: readonly ValkeyFault[] = []): MatrixCell[] {
  return TARGETS.flatMap((target) =>
    faults.flatMap((fault) =>
      MODES.filter((mode) => mode === 'once' || !onceOnly.includes(fault)).map((mode) => ({ target, fault, mode })),
    ),
  );
}

/**
 * Runs the cells (each `repeat` times) over the harnesses, one cell at a time per harness, and
 * prints the grid. A cell starts at the real time: the server expires keys natively by its own
 * clock, and a record written with a window already past on it would vanish at once.
 */
export async function runMatrix(
  title: string,
  harnesses: readonly MatrixHarness[],
  cells: readonly MatrixCell[],
  faults: readonly ValkeyFault[],
  repeat = 1,
): Promise<CellResult<MatrixTarget, ValkeyFault>[]> {
  const queue = Array.from({ length: repeat }, () => cells).flat();
  const results: CellResult<MatrixTarget, ValkeyFault>[] = [];
  await Promise.all(
    harnesses.map(async (harness) => {
      for (let cell = queue.shift(); cell !== undefined; cell = queue.shift()) {
        const { target, fault, mode } = cell;
        results.push(
          await runStory(harness, {
            target,
            fault,
            mode,
            startAt: Date.now(),
            rule: (recordId): ValkeyFaultRule => ({
              fault,
              operation: target.operation,
              keyIncludes: harness.keyOf(recordId),
              ...(mode === 'once' ? { nth: 1 } : {}),
            }),
          }),
        );
      }
    }),
  );

  const grid = TARGETS.flatMap((target) =>
    MODES.map((mode) => [
      `${target.label}, ${mode}`,
      ...faults.map((fault) => {
        const cell = results.filter((result) => result.target === target && result.fault === fault && result.mode === mode);
        return cell.length === 0 ? '-' : cellText(cell);
      }),
    ]),
  );
  const injected = harnesses.reduce((sum, harness) => sum + harness.faultsInjected(), 0);
  console.log(
    [
      `\n${title}`,
      markdownTable(['request, fault applied', ...faults], grid),
      `${results.length} cells, ${injected} faults injected. ${totalsText(results)}\n`,
    ].join('\n'),
  );
  return results;
}
