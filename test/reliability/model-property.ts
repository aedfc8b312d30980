import fc from 'fast-check';
import { ALL_FAULTS, type DynamoDBOperation, type FaultRule } from '../support/fault-proxy.js';
import type { Transport } from '../support/fixtures.js';
import { tally } from '../support/idempotency-model.js';
import { type Harness, SOAK } from './harness.js';
import { checkSchedules, type PropertyRun } from './schedule.js';

/**
 * Random schedules of invocations over a few keys, with random network faults, crashed attempts
 * (claimed, then abandoned mid-handler), two containers (one with a local cache) and clock steps,
 * checked against the model in test/support/idempotency-model.ts after every step (the story is
 * in schedule.ts; valkey-model.property.test.ts runs it on the Valkey store).
 *
 * model.property.test.ts checks it on both transports; scripts/docs-tables.ts renders the default
 * transport's summary into docs/reliability.md.
 *
 * Seeded: the same IDEMPOTENCY_SEED replays the same schedules and the same faults (up to the
 * interleaving of concurrent requests). A failure prints the seed and the shrunk schedule.
 */

export const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);
/** The harness the schedules run on: short timeouts, and a held request's delay. */
export const PROPERTY_HARNESS = { seed: SEED, timeoutMs: 250, delayMs: 400 } as const;
export const RUNS = Number(process.env.IDEMPOTENCY_RUNS ?? (SOAK ? 300 : 25));
const OPERATIONS: readonly (DynamoDBOperation | undefined)[] = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', undefined];

const faultsArbitrary: fc.Arbitrary<readonly FaultRule[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as FaultRule[]) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.record({
        // The two timeout faults cost real time (a held request): rarer, to keep the run short.
        fault: fc.constantFrom(...ALL_FAULTS, 'throttle', 'server-error', 'lost-response', 'reset'),
        operation: fc.constantFrom(...OPERATIONS),
        probability: fc.constantFrom(0.25, 0.5, 1),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  },
);

/** The schedules on `harness`, and the one-line summary the test prints and docs/reliability.md shows. */
export async function runProperty(harness: Harness, transport: Transport): Promise<{ run: PropertyRun; summary: string }> {
  const run = await checkSchedules(harness, {
    seed: SEED,
    runs: RUNS,
    faults: faultsArbitrary,
    startAt: () => Date.UTC(2026, 10, 29, 12, 0, 0),
    keepGoing: SOAK,
  });
  const counts = tally(run.violations);
  const summary =
    `Model-based property test, ${transport} transport (seed ${SEED}): ${run.schedules} schedules, ${run.steps} steps, ${run.executions} handler executions, ` +
    `${run.faults} faults injected, ${run.seconds} s; ` +
    `violations: ${Object.entries(counts)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ')}.`;
  return { run, summary };
}
