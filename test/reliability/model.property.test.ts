import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_FAULTS, type DynamoDBOperation, type FaultRule } from '../support/fault-proxy.js';
import type { Transport } from '../support/fixtures.js';
import { tally } from '../support/idempotency-model.js';
import { type Harness, publish, SOAK, startHarness } from './harness.js';
import { checkSchedules } from './schedule.js';

/**
 * Random schedules of invocations over a few keys, with random network faults, crashed attempts
 * (claimed, then abandoned mid-handler), two containers (one with a local cache) and clock steps,
 * checked against the model in test/support/idempotency-model.ts after every step (the story is
 * in schedule.ts; valkey-model.property.test.ts runs it on the Valkey store).
 *
 * Seeded: the same IDEMPOTENCY_SEED replays the same schedules and the same faults (up to the
 * interleaving of concurrent requests). A failure prints the seed and the shrunk schedule.
 */

const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261129);
const RUNS = Number(process.env.IDEMPOTENCY_RUNS ?? (SOAK ? 300 : 25));
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

// Both transports: the store's own (the default) and a caller's AWS SDK client.
for (const transport of ['lean', 'sdk'] as const satisfies readonly Transport[]) {
  describe(`${transport} transport`, () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ seed: SEED, timeoutMs: 250, delayMs: 400, transport });
    });
    afterAll(async () => {
      await harness?.stop();
    });

    it(`random schedules with faults, crashes and clock steps keep every guarantee (seed ${SEED}, ${RUNS} runs)`, async () => {
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
      console.log(`\n${summary}\n`);
      // docs/reliability.md shows the default transport's run.
      if (transport === 'lean') await publish('property', summary);
      expect(run.schedules).toBeGreaterThanOrEqual(RUNS);
      expect(run.violations).toEqual([]);
    }, 600_000);
  });
}
