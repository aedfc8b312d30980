import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tally } from '../support/idempotency-model.js';
import { redisAvailability, titled } from '../support/redis-server.js';
import { VALKEY_FAULTS, type ValkeyFaultRule, type ValkeyOperation } from '../support/valkey-fault-proxy.js';
import { SOAK } from './harness.js';
import { checkSchedules } from './schedule.js';
import { startValkeyHarness, type ValkeyHarness } from './valkey-harness.js';

/**
 * The model-based property test of model.property.test.ts (the story is in schedule.ts), on the
 * Valkey store, with the faults a RESP client meets: connection resets, timeouts, lost replies,
 * server restarts and SCRIPT FLUSH, on any of the store's requests. Seeded like the DynamoDB run.
 */
const availability = redisAvailability();
const runnable = availability.available && availability.external === undefined;
const title = titled(
  'Valkey model-based property test',
  runnable || !availability.available
    ? availability
    : { available: false, reason: 'REDIS_URL is set; it needs a server it owns' },
);

const SEED = Number(process.env.IDEMPOTENCY_SEED ?? 20261202);
const RUNS = Number(process.env.IDEMPOTENCY_RUNS ?? (SOAK ? 300 : 25));
const OPERATIONS: readonly (ValkeyOperation | undefined)[] = ['claim', 'complete', 'release', undefined];

const faultsArbitrary: fc.Arbitrary<readonly ValkeyFaultRule[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as ValkeyFaultRule[]) },
  {
    weight: 3,
    arbitrary: fc.array(
      fc.record({
        // A held reply and a restart cost real time: rarer, to keep the run short.
        fault: fc.constantFrom(...VALKEY_FAULTS, 'reset', 'lost-reply', 'script-flush'),
        operation: fc.constantFrom(...OPERATIONS),
        probability: fc.constantFrom(0.25, 0.5, 1),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  },
);

describe.skipIf(!runnable)(title, () => {
  let harness: ValkeyHarness;
  beforeAll(async () => {
    harness = await startValkeyHarness({ seed: SEED, timeoutMs: 250, holdMs: 400 });
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it(`random schedules with faults, crashes and clock steps keep every guarantee (seed ${SEED}, ${RUNS} runs)`, async () => {
    const run = await checkSchedules(harness, {
      seed: SEED,
      runs: RUNS,
      faults: faultsArbitrary,
      // The server expires keys natively by its own clock: windows start from the real time.
      startAt: () => Date.now(),
      keepGoing: SOAK,
    });
    const counts = tally(run.violations);
    console.log(
      `\nValkey model-based property test (seed ${SEED}): ${run.schedules} schedules, ${run.steps} steps, ` +
        `${run.executions} handler executions, ${run.faults} faults injected, ${run.seconds} s; violations: ${Object.entries(
          counts,
        )
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ')}.\n`,
    );
    expect(run.schedules).toBeGreaterThanOrEqual(RUNS);
    expect(run.violations).toEqual([]);
  }, 600_000);
});
