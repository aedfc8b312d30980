import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../support/fixtures.js';
import { type Harness, startHarness } from './harness.js';
import { PROPERTY_HARNESS, RUNS, runProperty, SEED } from './model-property.js';

// The schedules, their faults and the summary are in model-property.ts.

// Both transports: the store's own (the default) and a caller's AWS SDK client.
for (const transport of ['lean', 'sdk'] as const satisfies readonly Transport[]) {
  describe(`${transport} transport`, () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ ...PROPERTY_HARNESS, transport });
    });
    afterAll(async () => {
      await harness?.stop();
    });

    it(`random schedules with faults, crashes and clock steps keep every guarantee (seed ${SEED}, ${RUNS} runs)`, async () => {
      const { run, summary } = await runProperty(harness, transport);
      console.log(`\n${summary}\n`);
      expect(run.schedules).toBeGreaterThanOrEqual(RUNS);
      expect(run.violations).toEqual([]);
    }, 600_000);
  });
}
